#!/usr/bin/env bash
# Smoke-test one built link-extractor binary of any architecture, run as a user runs it.
# A binary for another architecture than the machine's (aarch64 here) runs under
# qemu-user (`qemu-aarch64 BINARY ARGS`: user-mode emulation, no binfmt registration).
#
#   ci/smoke.sh BINARY
#
# Against ci/image-server.py on 127.0.0.1 (port 0), with exact outputs and exit codes:
#   file(1)        the architecture, and statically linked
#   --version      "link-extractor VERSION" (VERSION from Cargo.toml)
#   <base>         /base.html: relative links resolved against its first <base href>
#   -o jsonl       two pages, one object per link
#   a failing page a 404 beside a good page: exit 1, the failure named on stderr (and a
#                  jsonl error record), the good page's links still printed
#   usage error    a URL without a scheme: exit 2
#   threads        32 pages with -j 8 (rayon threads, mimalloc): every link, input order
#
# Prints 'smoke: N passed, N failed' and exits 1 when a check failed. ci/tools.sh
# installs qemu-user and file when they are missing (as root on Debian).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=ci/tools.sh
. ci/tools.sh

die() { printf 'smoke: %s\n' "$*" >&2; exit 2; }

[ $# -eq 1 ] || die "usage: ci/smoke.sh BINARY"
BIN="$1"
[ -x "$BIN" ] || die "$BIN is not an executable file"
VERSION="$(sed -n 's/^version *= *"\([^"]*\)".*/\1/p' Cargo.toml | head -n 1)"

# shellcheck source=ci/checks.sh
. "$(dirname "${BASH_SOURCE[0]}")/checks.sh"

command -v file >/dev/null || tools_qemu
command -v python3 >/dev/null || tools_apt python3 # the fixture server
description="$(file -b "$BIN")"
case "$description" in
    *", x86-64,"*) arch=x86_64 ;;
    *", ARM aarch64,"*) arch=aarch64 ;;
    *) die "$BIN: not an x86-64 or aarch64 executable: $description" ;;
esac
RUN=()
how="natively"
if [ "$arch" != "$(uname -m)" ]; then
    command -v "qemu-$arch" >/dev/null || tools_qemu
    RUN=("qemu-$arch")
    how="under $("qemu-$arch" --version | head -n 1)"
fi
echo "smoke: $BIN ($arch), $how"

TMP="$(mktemp -d)"
SERVER_PID=""
cleanup() {
    if [ -n "$SERVER_PID" ]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    rm -rf "$TMP"
}
trap cleanup EXIT

# The server prints its port once it listens: no polling.
coproc SERVER { exec timeout 600 python3 ci/image-server.py -; }
PORT=""
read -r -t 10 -u "${SERVER[0]}" PORT || true
[[ "$PORT" =~ ^[0-9]+$ ]] || die "the fixture server did not report its port within 10 s"
BASE="http://127.0.0.1:$PORT"

# run NAME ARG...: the binary with ARGS; NAME.stdout, NAME.stderr, NAME.rc.
run() {
    local name="$1" rc=0
    shift
    timeout 120 "${RUN[@]}" "$BIN" "$@" >"$TMP/$name.stdout" 2>"$TMP/$name.stderr" </dev/null || rc=$?
    echo "$rc" >"$TMP/$name.rc"
}
out() { cat "$TMP/$1.stdout"; }
err() { cat "$TMP/$1.stderr"; }
rc() { cat "$TMP/$1.rc"; }

# The architecture is read from this description above; here, static linking (file says
# "static-pie linked" for a static position-independent executable).
linked="$(grep -oE '(statically|static-pie|dynamically) linked' <<<"$description" || true)"
check "file: $description" "$arch, statically linked" \
    "$arch, ${linked/static-pie/statically}"

run version --version
check "--version: exit 0, 'link-extractor $VERSION'" "0|link-extractor $VERSION" "$(rc version)|$(out version)"

base_links="$BASE/docs/v1/guide.html
$BASE/docs/img/logo.png
$BASE/docs/v1/?page=2
$BASE/docs/v1/#intro
$BASE/root.html
http://cdn.example.net/lib.js
$BASE/docs/v1/more.html"
run base "$BASE/base.html"
check "<base> and relative links: exit 0" 0 "$(rc base)"
check "<base> and relative links: the exact links, in page order" "$base_links" "$(out base)"
check "<base> and relative links: nothing on stderr" "" "$(err base)"

run jsonl -o jsonl "$BASE/page/1.html" "$BASE/page/2.html"
check "-o jsonl, two pages: exit 0" 0 "$(rc jsonl)"
check "-o jsonl, two pages: the exact objects" \
    "{\"source\":\"$BASE/page/1.html\",\"url\":\"$BASE/n/1/first\"}
{\"source\":\"$BASE/page/1.html\",\"url\":\"$BASE/page/second-1\"}
{\"source\":\"$BASE/page/2.html\",\"url\":\"$BASE/n/2/first\"}
{\"source\":\"$BASE/page/2.html\",\"url\":\"$BASE/page/second-2\"}" "$(out jsonl)"

run missing "$BASE/base.html" "$BASE/missing.html"
check "a 404 page: exit 1" 1 "$(rc missing)"
check "a 404 page: the other page's links still printed" "$base_links" "$(out missing)"
check "a 404 page: named on stderr" "error: $BASE/missing.html: HTTP 404 Not Found" "$(err missing)"

run missing-jsonl -o jsonl "$BASE/missing.html" "$BASE/page/3.html"
check "a 404 page, -o jsonl: exit 1" 1 "$(rc missing-jsonl)"
check "a 404 page, -o jsonl: an error record, then the other page's links" \
    "{\"source\":\"$BASE/missing.html\",\"error\":\"HTTP 404 Not Found\",\"kind\":\"http-status\"}
{\"source\":\"$BASE/page/3.html\",\"url\":\"$BASE/n/3/first\"}
{\"source\":\"$BASE/page/3.html\",\"url\":\"$BASE/page/second-3\"}" "$(out missing-jsonl)"

run usage example.com
check "a URL without a scheme: exit 2, nothing on stdout" "2|" "$(rc usage)|$(out usage)"

urls=()
expected=""
for i in $(seq 0 31); do
    urls+=("$BASE/page/$i.html")
    expected+="$BASE/n/$i/first"$'\n'"$BASE/page/second-$i"$'\n'
done
run threads -j 8 "${urls[@]}"
check "32 pages, -j 8: exit 0, every link in input order" "0|${expected%$'\n'}" "$(rc threads)|$(out threads)"

printf 'smoke: %d passed, %d failed\n' "$PASSED" "$FAILED"
[ "$FAILED" -eq 0 ]
