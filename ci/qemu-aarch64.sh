#!/bin/sh
# Runs the aarch64 link-extractor under qemu-aarch64 (user-mode emulation: no binfmt, no
# root) with this script's arguments, so that a runner that takes a BINARY path runs the
# arm64 build:  python3 ../shared/conformance/run.py ci/qemu-aarch64.sh   (make conformance-arm64)
#
#   LINK_EXTRACTOR_ARM64_BIN  the binary (default target/aarch64-unknown-linux-musl/release/link-extractor)
#   QEMU_AARCH64              the emulator (default qemu-aarch64, Debian qemu-user)
bin="${LINK_EXTRACTOR_ARM64_BIN:-$(dirname "$0")/../target/aarch64-unknown-linux-musl/release/link-extractor}"
exec "${QEMU_AARCH64:-qemu-aarch64}" "$bin" "$@"
