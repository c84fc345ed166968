#!/usr/bin/env bash
# Runs the release binary inside a real cgroup memory limit (v2 memory.max or v1
# memory.limit_in_bytes, as a pod or a container has), against pages served on
# loopback, and checks what the product promises there:
#   - a page of 1,000,000 links (18.9 MB) ends as a named failure, never a kill;
#   - 32 ordinary pages (~100 KB) all succeed, about as fast as without the limit.
# Prints the peak memory the cgroup saw for each run. Needs root (to make a cgroup).
#
#   ci/memory-limit.sh [BINARY] [LIMIT]     defaults: target/release/link-extractor 128M
set -euo pipefail
cd "$(dirname "$0")/.."

bin=$(realpath "${1:-target/release/link-extractor}")
limit=${2:-128M}
[ -x "$bin" ] || { echo "memory-limit: $bin not found (make build)" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "memory-limit: needs root to make a cgroup" >&2; exit 1; }

work=$(mktemp -d)
cgroup=""
server_pid=""
# shellcheck disable=SC2317  # called by the trap
cleanup() {
    if [ -n "$server_pid" ]; then
        kill "$server_pid" 2>/dev/null || true
    fi
    if [ -n "$cgroup" ] && [ -d "$cgroup" ]; then
        rmdir "$cgroup" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

# The pages: one of a million links, 32 ordinary ones.
python3 - "$work" <<'PY'
import os, sys
root = sys.argv[1]
os.makedirs(os.path.join(root, "p"))
with open(os.path.join(root, "big.html"), "w") as f:
    f.write("<!DOCTYPE html><title>big</title>\n")
    for n in range(1_000_000):
        f.write(f'<a href="/l/{n}">{n}</a>\n')
for page in range(32):
    parts = ["<!DOCTYPE html><html><head><title>page</title><style>p{}</style></head><body>"]
    for section in range(120):
        parts.append(f'<div class="s"><h2>Section {section}</h2><p>' + "text " * 120 +
                     f'<a href="/p/{page}/{section}">more</a> <a href="../up?x={section}">up</a></p></div>')
    parts.append("</body></html>")
    with open(os.path.join(root, "p", f"{page}.html"), "w") as f:
        f.write("\n".join(parts))
PY

# A loopback server on a free port.
python3 - "$work" >"$work/port" 2>/dev/null <<'PY' &
import functools, http.server, sys
handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])
handler.log_message = lambda *a: None
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
print(server.server_address[1], flush=True)
server.serve_forever()
PY
server_pid=$!
for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.1; done
port=$(head -n1 "$work/port")
origin="http://127.0.0.1:$port"
for n in $(seq 0 31); do echo "$origin/p/$n.html"; done >"$work/urls.txt"

bytes=$(numfmt --from=iec "$limit")
if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
    # cgroup v2: the memory controller must be enabled for children of the root.
    grep -qw memory /sys/fs/cgroup/cgroup.subtree_control ||
        echo +memory >/sys/fs/cgroup/cgroup.subtree_control
    cgroup=/sys/fs/cgroup/link-extractor-ci-$$
    mkdir "$cgroup"
    echo "$bytes" >"$cgroup/memory.max"
    echo 0 >"$cgroup/memory.swap.max" 2>/dev/null || true
    peak_file=memory.peak
    version=v2
else
    cgroup=/sys/fs/cgroup/memory/link-extractor-ci-$$
    mkdir "$cgroup"
    echo "$bytes" >"$cgroup/memory.limit_in_bytes"
    echo "$bytes" >"$cgroup/memory.memsw.limit_in_bytes" 2>/dev/null || true
    peak_file=memory.max_usage_in_bytes
    version=v1
fi
echo "memory-limit: cgroup $version at $cgroup, limit $limit"

# limited CMD...: runs CMD inside the cgroup (the shell joins it, then execs).
limited() {
    echo 0 >"$cgroup/$peak_file" 2>/dev/null || true
    sh -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' sh "$cgroup" "$@"
}
peak() { numfmt --to=iec "$(cat "$cgroup/$peak_file" 2>/dev/null || echo 0)"; }

failed=0
set +e
limited timeout 120 "$bin" --max-bytes 32MiB "$origin/big.html" >"$work/big.out" 2>"$work/big.err"
code=$?
set -e
echo "  1M links: exit $code, $(wc -l <"$work/big.out") links, peak $(peak): $(head -c 300 "$work/big.err")"
if [ "$code" -eq 0 ] && [ "$(wc -l <"$work/big.out")" -eq 1000000 ]; then
    echo "  ok: the page fit and gave all its links"
elif [ "$code" -eq 1 ] && grep -q "page too large for the memory limit" "$work/big.err"; then
    echo "  ok: named failure, not a kill"
else
    echo "  FAILED: expected all links (exit 0) or 'page too large for the memory limit' (exit 1)"
    failed=1
fi

ordinary() {
    local start end
    start=$(date +%s%N)
    "$@" -i "$work/urls.txt" >"$work/ordinary.out" 2>"$work/ordinary.err"
    end=$(date +%s%N)
    echo $(((end - start) / 1000000))
}
limited_ms=() free_ms=()
for _ in 1 2 3; do
    free_ms+=("$(ordinary timeout 60 "$bin")")
    limited_ms+=("$(ordinary limited timeout 60 "$bin")")
done
links=$(wc -l <"$work/ordinary.out")
median() { printf '%s\n' "$@" | sort -n | sed -n 2p; }
echo "  32 ordinary pages: $links links; median $(median "${limited_ms[@]}") ms limited vs $(median "${free_ms[@]}") ms free, peak $(peak)"
if [ "$links" -ne $((32 * 120 + 120)) ] || [ -s "$work/ordinary.err" ]; then
    echo "  FAILED: expected $((32 * 120 + 120)) links and no message: $(head -c 300 "$work/ordinary.err")"
    failed=1
fi
if [ "$failed" -eq 0 ]; then
    echo "memory-limit: ok"
else
    echo "memory-limit: FAILED"
fi
exit "$failed"
