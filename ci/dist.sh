#!/usr/bin/env bash
# The release artifacts: static musl binaries for x86_64 and aarch64, built on x86_64.
#
#   ci/dist.sh build TARGET...  the static release binary target/TARGET/release/link-extractor
#                               (make static, make static-arm64)
#   ci/dist.sh package          dist/ from the two binaries built (below)
#   ci/dist.sh all              build both, then package (make dist)
#   ci/dist.sh test             check dist/ and run ci/smoke.sh on both binaries in it,
#                               the aarch64 one under qemu-aarch64 (make dist-test)
#
# dist/ holds, for VERSION (Cargo.toml) and TARGET (x86_64-unknown-linux-musl,
# aarch64-unknown-linux-musl):
#   link-extractor-VERSION-TARGET.tar.gz    link-extractor-VERSION-TARGET/{link-extractor,
#                                           LICENSE-APACHE, LICENSE-MIT, README.md}
#   link-extractor-VERSION-TARGET.cdx.json  CycloneDX 1.5 SBOM of the crate graph built
#                                           for TARGET (cargo-cyclonedx)
#   SHA256SUMS                              sha256sum of the four files above
# The archives are reproducible: sorted entries, owner 0:0, every mtime the last commit's
# time (SOURCE_DATE_EPOCH, which also fixes the SBOM's timestamp), gzip without a name.
#
# Toolchains (ci/tools.sh installs them on first use, into ~/.cache/link-extractor-tools):
#   x86_64   cargo build; ring's C and assembly and mimalloc's C compiled by
#            x86_64-linux-musl-gcc (Debian musl-tools; gcc when it cannot be installed)
#   aarch64  cargo zigbuild (PyPI cargo-zigbuild + ziglang): zig compiles the C for
#            aarch64-linux-musl against musl's own headers and links the binary
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=ci/tools.sh
. ci/tools.sh

TARGETS=(x86_64-unknown-linux-musl aarch64-unknown-linux-musl)
VERSION="$(sed -n 's/^version *= *"\([^"]*\)".*/\1/p' Cargo.toml | head -n 1)"
DIST=dist
DOCS=(LICENSE-APACHE LICENSE-MIT README.md)

die() { printf 'dist: %s\n' "$*" >&2; exit 1; }
bin_of() { printf 'target/%s/release/link-extractor' "$1"; }

# The last commit's time, so that archives and SBOMs built twice from one commit are
# byte-identical; the environment's SOURCE_DATE_EPOCH wins.
source_date_epoch() {
    if [ -n "${SOURCE_DATE_EPOCH:-}" ]; then
        echo "$SOURCE_DATE_EPOCH"
    else
        git log -1 --format=%ct 2>/dev/null || echo 0
    fi
}

# ---- build ---------------------------------------------------------------------------

build_x86_64() {
    local t=x86_64-unknown-linux-musl
    tools_rust_target "$t"
    if ! command -v x86_64-linux-musl-gcc >/dev/null; then
        if [ "$(id -u)" -eq 0 ]; then
            tools_apt musl-tools
        else
            tools_log "x86_64-linux-musl-gcc not found (Debian: musl-tools); compiling the C with gcc"
            export CC_x86_64_unknown_linux_musl=gcc
        fi
    fi
    timeout 1800 cargo build --release --locked --target "$t"
}

build_aarch64() {
    local t=aarch64-unknown-linux-musl
    tools_cross
    # cargo-zigbuild runs zig as `python3 -m ziglang`: the venv's python comes first.
    # -pie: zig's linker ignores the -static-pie rustc asks for ("argument unused") and
    # would link a plain static executable at a fixed address; with -pie it links a
    # static-pie one, as x86_64's is, so ASLR moves the binary too (`file`: static-pie
    # linked).
    PATH="$TOOLS_VENV/bin:$PATH" CARGO_TARGET_AARCH64_UNKNOWN_LINUX_MUSL_RUSTFLAGS="-C link-arg=-pie" \
        timeout 1800 cargo zigbuild --release --locked --target "$t"
}

cmd_build() {
    [ $# -gt 0 ] || die "usage: ci/dist.sh build TARGET..."
    local t start
    for t in "$@"; do
        start=$SECONDS
        case "$t" in
            x86_64-unknown-linux-musl) build_x86_64 ;;
            aarch64-unknown-linux-musl) build_aarch64 ;;
            *) die "unknown target $t (known: ${TARGETS[*]})" ;;
        esac
        command -v file >/dev/null || tools_apt file
        printf 'dist: %s in %ss: %s bytes, %s\n' "$(bin_of "$t")" "$((SECONDS - start))" \
            "$(stat -c %s "$(bin_of "$t")")" "$(file -b "$(bin_of "$t")")"
    done
}

# ---- package -------------------------------------------------------------------------

cmd_package() {
    local t f epoch name
    for t in "${TARGETS[@]}"; do
        [ -x "$(bin_of "$t")" ] || die "$(bin_of "$t") is missing: run 'ci/dist.sh build $t' (make dist builds both)"
    done
    for f in "${DOCS[@]}"; do
        [ -f "$f" ] || die "$f is missing"
    done
    tools_sbom
    epoch="$(source_date_epoch)"
    STAGE="$(mktemp -d)"
    # cargo-cyclonedx writes its file beside Cargo.toml; removed if anything fails.
    trap 'rm -rf "$STAGE"; rm -f link-extractor-*.cdx.json' EXIT

    mkdir -p "$DIST"
    # Only this script's files: chart-package.sh keeps the chart in dist/ too.
    rm -f "$DIST"/link-extractor-*.tar.gz "$DIST"/link-extractor-*.cdx.json "$DIST/SHA256SUMS"
    for t in "${TARGETS[@]}"; do
        name="link-extractor-$VERSION-$t"
        mkdir -p "$STAGE/$name"
        install -m 0755 "$(bin_of "$t")" "$STAGE/$name/link-extractor"
        for f in "${DOCS[@]}"; do
            install -m 0644 "$f" "$STAGE/$name/$f"
        done
        tar --create --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$epoch" \
            --format=gnu --directory "$STAGE" "$name" | gzip -9 -n >"$DIST/$name.tar.gz"

        # The graph cargo resolves for this target (x86_64 has a crate aarch64 has not),
        # build dependencies included: cc and friends compile ring's and mimalloc's C.
        SOURCE_DATE_EPOCH="$epoch" timeout 600 "$TOOLS_CARGO/bin/cargo-cyclonedx" cyclonedx \
            --quiet --format json --spec-version 1.5 --target "$t" --override-filename "$name.cdx"
        mv "$name.cdx.json" "$DIST/$name.cdx.json"
    done
    (cd "$DIST" && sha256sum -- link-extractor-"$VERSION"-*.tar.gz link-extractor-"$VERSION"-*.cdx.json >SHA256SUMS)

    echo "dist: $DIST/ (version $VERSION)"
    (cd "$DIST" && find . -maxdepth 1 -type f \( -name "link-extractor-$VERSION-*" -o -name SHA256SUMS \) \
        -printf '  %-58f %10s bytes\n' | sort)
    for t in "${TARGETS[@]}"; do
        printf '  binary %-51s %10s bytes\n' "$t" "$(stat -c %s "$(bin_of "$t")")"
    done
}

# ---- test ----------------------------------------------------------------------------

# shellcheck source=ci/checks.sh
. "$(dirname "${BASH_SOURCE[0]}")/checks.sh"

# sbom_summary FILE TARGET: "COUNT ok" (COUNT components), or "COUNT PROBLEMS" (python3,
# no packages); nothing when the file is not JSON.
sbom_summary() {
    python3 - "$1" "$2" "$VERSION" <<'PY'
import json
import re
import sys

path, target, version = sys.argv[1:]
bom = json.load(open(path))
meta = bom.get("metadata", {})
component = meta.get("component", {})
props = {p.get("name"): p.get("value") for p in meta.get("properties", [])}
# Every component must be a package of Cargo.lock, with the version locked there.
locked = set(re.findall(r'name = "([^"]+)"\nversion = "([^"]+)"', open("Cargo.lock").read()))
names = {c.get("name") for c in bom.get("components", [])}
unlocked = [f'{c.get("name")}@{c.get("version")}' for c in bom.get("components", [])
            if (c.get("name"), c.get("version")) not in locked]
problems = []
if bom.get("bomFormat") != "CycloneDX" or bom.get("specVersion") != "1.5":
    problems.append(f'bomFormat {bom.get("bomFormat")} specVersion {bom.get("specVersion")}')
if (component.get("name"), component.get("version")) != ("link-extractor", version):
    problems.append(f'metadata.component {component.get("name")}@{component.get("version")}')
if props.get("cdx:rustc:sbom:target:triple") != target:
    problems.append(f'target {props.get("cdx:rustc:sbom:target:triple")}')
if unlocked:
    problems.append("not in Cargo.lock: " + ", ".join(unlocked))
missing = sorted({"ring", "rustls", "mimalloc", "libmimalloc-sys", "html5ever", "ureq", "url"} - names)
if missing:
    problems.append("missing: " + ", ".join(missing))
print(len(bom.get("components", [])), "; ".join(problems) if problems else "ok")
PY
}

cmd_test() {
    local t name n listing tmp
    tools_qemu
    command -v python3 >/dev/null || tools_apt python3 # the SBOM checks, the fixture server
    [ -f "$DIST/SHA256SUMS" ] || die "$DIST/SHA256SUMS is missing: run 'make dist' first"
    TEST_TMP="$(mktemp -d)"
    trap 'rm -rf "$TEST_TMP"' EXIT
    tmp="$TEST_TMP"

    if (cd "$DIST" && sha256sum -c SHA256SUMS) >"$tmp/sums" 2>&1; then
        ok "sha256sum -c SHA256SUMS: $(grep -c ': OK$' "$tmp/sums") files OK"
    else
        fail "sha256sum -c SHA256SUMS"
    fi
    sed 's/^/       /' "$tmp/sums"
    check "SHA256SUMS names the two archives and the two SBOMs" \
        "$(for t in "${TARGETS[@]}"; do echo "link-extractor-$VERSION-$t.cdx.json"; echo "link-extractor-$VERSION-$t.tar.gz"; done | sort)" \
        "$(awk '{print $2}' "$DIST/SHA256SUMS" | sort)"

    for t in "${TARGETS[@]}"; do
        name="link-extractor-$VERSION-$t"
        listing="$(tar -tvzf "$DIST/$name.tar.gz" | awk '{print $1, $2, $6}' || true)"
        check "$name.tar.gz: one folder, the binary (0755), LICENSE-APACHE, LICENSE-MIT, README.md (0644), owner 0/0" \
            "drwxr-xr-x 0/0 $name/
-rw-r--r-- 0/0 $name/LICENSE-APACHE
-rw-r--r-- 0/0 $name/LICENSE-MIT
-rw-r--r-- 0/0 $name/README.md
-rwxr-xr-x 0/0 $name/link-extractor" "$listing"
        mkdir -p "$tmp/$t"
        tar -xzf "$DIST/$name.tar.gz" -C "$tmp/$t" || true
        if [ -x "$(bin_of "$t")" ]; then
            check "$name.tar.gz: the binary is $(bin_of "$t")" \
                "$(sha256sum <"$(bin_of "$t")")" "$(sha256sum <"$tmp/$t/$name/link-extractor")"
        fi
        n="$(sbom_summary "$DIST/$name.cdx.json" "$t" 2>&1 || true)"
        check "$name.cdx.json: CycloneDX 1.5, link-extractor $VERSION for $t, ${n%% *} components, all in Cargo.lock, ring/rustls/mimalloc among them" \
            ok "${n#* }"
        if ci/smoke.sh "$tmp/$t/$name/link-extractor" >"$tmp/smoke" 2>&1; then
            ok "ci/smoke.sh on the $t binary of the archive: $(tail -n 1 "$tmp/smoke")"
        else
            fail "ci/smoke.sh on the $t binary of the archive"
        fi
        sed 's/^/       /' "$tmp/smoke"
    done

    printf 'dist-test: %d passed, %d failed\n' "$PASSED" "$FAILED"
    [ "$FAILED" -eq 0 ]
}

case "${1:-}" in
    build)
        shift
        cmd_build "$@"
        ;;
    package) cmd_package ;;
    all)
        cmd_build "${TARGETS[@]}"
        cmd_package
        ;;
    test) cmd_test ;;
    *)
        echo "usage: ci/dist.sh build TARGET...|package|all|test" >&2
        exit 2
        ;;
esac
