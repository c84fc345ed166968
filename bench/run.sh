#!/usr/bin/env bash
# make bench: build the release binary (and the static musl one when the musl target is
# installed), then run the benchmark suite (bench/suite.rs), which prints the table and
# rewrites the generated part of bench/RESULTS.md; then the crawl group, against GNU
# wget, LinkChecker and Scrapy, which bench/peers/setup.sh installs (wget from Debian,
# the others from PyPI into target/bench-peers/venv): that step, and only it, needs a
# package registry.
#
#   bench/run.sh [suite options...]     e.g. --quick, --runs 7, --corpus DIR
#
# Environment: BENCH_STATIC=0 skips the musl build; SHARED (default ../shared) is where
# the conformance corpus lives: its real 100-200 KB pages are also measured when present;
# BENCH_CRAWL=0 skips the crawl group, BENCH_PEERS=0 runs it without the peers.
set -euo pipefail
cd "$(dirname "$0")/.."

MUSL_TARGET=x86_64-unknown-linux-musl
BIN=target/release/link-extractor
STATIC_BIN=target/$MUSL_TARGET/release/link-extractor
SHARED=${SHARED:-../shared}

if [[ ! -x /usr/bin/time ]]; then
    if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
        apt-get update -qq && apt-get install -y -qq --no-install-recommends time
    else
        echo "bench: /usr/bin/time is needed for peak RSS (Debian: apt-get install time)" >&2
        exit 1
    fi
fi

build_started=$(date +%s)
timeout 1800 cargo build --release --locked
args=(--bin "$BIN" --out bench/RESULTS.md)
if [[ ${BENCH_STATIC:-1} != 0 ]] && rustup target list --installed 2>/dev/null | grep -qx "$MUSL_TARGET"; then
    timeout 1800 make --no-print-directory static
    args+=(--static-bin "$STATIC_BIN")
else
    echo "bench: skipping the musl comparison (target $MUSL_TARGET not installed, or BENCH_STATIC=0)" >&2
fi
if [[ -d $SHARED/corpus/pages ]]; then
    args+=(--corpus "$SHARED/corpus")
fi
timeout 1800 cargo bench --locked --bench suite --no-run
echo "bench: builds took $(( $(date +%s) - build_started )) s" >&2

crawl_args=(--bin "$BIN" --out bench/RESULTS.md)
if [[ ${BENCH_PEERS:-1} == 0 ]]; then
    crawl_args+=(--no-peers)
elif [[ ${BENCH_CRAWL:-1} != 0 ]]; then
    python=$(bench/peers/setup.sh | tail -1)
    crawl_args+=(--python "$python")
fi

# The measurements bound every run of the binary themselves (timeout(1)); this bounds
# the whole suite.
timeout 600 cargo bench --locked --bench suite -- all "${args[@]}" "$@"

# The crawl group: a full run is about 40 minutes on 2 busy cores (wget alone ~7, each
# Scrapy run up to 10), --quick a few. Only --quick of the options above applies to it.
if [[ ${BENCH_CRAWL:-1} != 0 ]]; then
    quick=()
    for a in "$@"; do [[ $a == --quick ]] && quick=(--quick); done
    timeout 5400 cargo bench --locked --bench suite -- crawl "${crawl_args[@]}" "${quick[@]}"
fi
