# shellcheck shell=bash
# Sourced by the check scripts (smoke.sh, dist.sh test, image.sh test): count and print
# checks the same way everywhere. The caller prints its summary from PASSED and FAILED.
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
