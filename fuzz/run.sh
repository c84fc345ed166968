#!/usr/bin/env bash
# Fuzz decoding, extraction, content codings and the depth guard with cargo fuzz
# (nightly) for a bounded time.
#
#   fuzz/run.sh [SECONDS] [TARGET...]
#
# Runs each TARGET (default: extract, charset, codings, depth) for SECONDS (default
# 120) in one libFuzzer process, one after another, then prints its executions, speed,
# coverage and whether it found a crash. Exits non-zero when a target crashed, hung,
# ran out of memory or failed to build. Crash inputs land in fuzz/artifacts/TARGET/, the
# growing corpus in fuzz/corpus/TARGET/, the libFuzzer log in
# fuzz/artifacts/TARGET/fuzz.log.
#
# Environment:
# - SANITIZER=none (default) or address: `none` builds with coverage only, for speed
#   (the crate has no unsafe code; a panic or a failed check is what the targets look
#   for); `address` adds AddressSanitizer, about three times slower, for unsafe code in
#   the dependencies (decoders).
# - TRACE_COMPARES=1: also instrument comparisons (cargo fuzz's default), which feeds
#   libFuzzer the values inputs are compared with; off by default here, since it took
#   60 % of `extract`'s time and html5ever's tag names are atoms (compared as hashes),
#   while fuzz/html.dict gives the fuzzer the tokens instead (fuzz/README.md, figures).
# - KEEP_GOING=1: libFuzzer's fork mode (-fork=1 -ignore_crashes=1), which goes on after
#   a crash and keeps every crash input, to see all that a run finds, not only the first.
# - SHARED=DIR: where the shared corpus is (below).
#
# Per target (see `target_options` below): the seeds, the largest input (-max_len) and
# the dictionary (-dict=fuzz/html.dict: tags, attributes, entities, URL pieces,
# charset names, for extract, charset and depth).
# - extract: fuzz/seeds/extract/ (small synthetic fault shapes), inputs up to 16 KiB
#   (four of the extractor's 4 KiB parse chunks: the oracle compares chunked and whole);
# - charset: fuzz/seeds/charset/, up to 8 KiB (the prescan reads 1 KiB, more in the head);
# - codings: fuzz/seeds/codings/ (written by fuzz/seeds/codings-gen.py), up to 16 KiB;
# - depth: fuzz/seeds/depth/ (written by fuzz/seeds/depth-gen.py), up to 1 KiB, which
#   the target repeats into documents of up to 32 KiB.
# Speed comes from small inputs: libFuzzer runs a target at 1000s of inputs a second
# on KiB-sized inputs, at 20 a second on whole pages (and on pages 512 deep, where the
# deep seeds made `extract` 5 times slower: the depth target fuzzes the guard under
# small caps instead).
#
# When the shared corpus exists ($SHARED/corpus/pages, default ../shared), extract and
# charset also start from KiB-sized cuts of its pages, made at run time into a
# temporary directory that is removed afterwards. Those pages are third-party data:
# neither they nor a corpus grown from them (fuzz/corpus/, ignored by git) may go into
# the repo. SHARED=/nonexistent leaves them out.
#
# A crash input is kept as a regression test: minimise it with
#   cargo +nightly fuzz tmin --fuzz-dir fuzz -O -a TARGET fuzz/artifacts/TARGET/crash-...
# and copy the result into tests/fuzz-regressions/ under a name that says what it found
# (e.g. extract-crash-...). The other inputs there are a corpus grown with
# SHARED=/nonexistent and minimised per target; tests/fuzz-regressions/README.md says how.
set -euo pipefail

seconds=${1:-120}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(extract charset codings depth)
fi
case $seconds in
'' | *[!0-9]*)
    echo "usage: fuzz/run.sh [SECONDS] [TARGET...]" >&2
    exit 2
    ;;
esac

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
shared_pages=${SHARED:-$repo/../shared}/corpus/pages

# The seeds, largest input (libFuzzer cuts longer seeds to it) and dictionary of a
# target, into seeds=() max_len= dict=.
target_options() {
    seeds=()
    dict=
    case $1 in
    extract)
        seeds=(fuzz/seeds/extract)
        max_len=16384
        dict=fuzz/html.dict
        ;;
    charset)
        seeds=(fuzz/seeds/charset)
        max_len=8192
        dict=fuzz/html.dict
        ;;
    depth)
        seeds=(fuzz/seeds/depth)
        max_len=1024
        dict=fuzz/html.dict
        ;;
    codings)
        seeds=(fuzz/seeds/codings)
        max_len=16384
        ;;
    *)
        [ -d "fuzz/seeds/$1" ] && seeds=("fuzz/seeds/$1")
        max_len=65536
        ;;
    esac
}

# Cuts of the shared corpus's pages for extract and charset, made once per run: for
# each page its first 1 KiB (the head, where charsets and <base> are), and 1 KiB pieces
# from four places further in (the body: links, tables, nesting).
shared_cuts=
cut_shared_pages() {
    [ -n "$shared_cuts" ] && return 0
    [ -d "$shared_pages" ] || return 1
    shared_cuts=$(mktemp -d "${TMPDIR:-/tmp}/link-extractor-fuzz-cuts.XXXXXX")
    trap 'rm -rf "$shared_cuts"' EXIT
    local page name size n
    for page in "$shared_pages"/*; do
        [ -f "$page" ] || continue
        name=$(basename "$page")
        size=$(wc -c <"$page")
        head -c 1024 "$page" >"$shared_cuts/$name.head"
        for n in 1 2 3 4; do
            if [ "$size" -gt 8192 ]; then
                tail -c +$((size * n / 5 + 1)) "$page" | head -c 1024 >"$shared_cuts/$name.$n"
            fi
        done
    done
    echo "== shared corpus: $(find "$shared_cuts" -type f | wc -l) cuts of $shared_pages in $shared_cuts" >&2
}
# A single input taking longer than this is a hang: the parse budget is 2 s.
input_timeout=20

if ! rustup toolchain list | grep -q '^nightly'; then
    echo "fuzz/run.sh: the nightly toolchain is needed (rustup toolchain install nightly)" >&2
    exit 1
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "fuzz/run.sh: installing cargo-fuzz" >&2
    timeout 1800 cargo install cargo-fuzz --locked
fi

# Optimised, with debug assertions and overflow checks on, with the sanitizer asked
# for: the same flags for build and run, so that run does not rebuild.
sanitizer=${SANITIZER:-none}
case $sanitizer in
none | address) ;;
*)
    echo "fuzz/run.sh: SANITIZER must be none or address" >&2
    exit 2
    ;;
esac
fuzz_opts=(--fuzz-dir fuzz --release --debug-assertions --sanitizer "$sanitizer")
if [ "${TRACE_COMPARES:-0}" != 1 ]; then
    fuzz_opts+=(--no-trace-compares)
fi
keep_going=()
if [ "${KEEP_GOING:-0}" = 1 ]; then
    keep_going=(-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1)
fi
host=$(rustc +nightly -vV | sed -n 's/^host: //p')

status=0
for target in "${targets[@]}"; do
    artifacts=fuzz/artifacts/$target
    corpus=fuzz/corpus/$target
    mkdir -p "$artifacts" "$corpus"
    log=$artifacts/fuzz.log

    echo "== $target: building" >&2
    if ! timeout 1800 cargo +nightly fuzz build "${fuzz_opts[@]}" "$target"; then
        echo "== $target: BUILD FAILED" >&2
        status=1
        continue
    fi

    target_options "$target"
    case $target in
    extract | charset)
        if cut_shared_pages; then
            seeds+=("$shared_cuts")
        fi
        ;;
    esac
    before=$(find "$artifacts" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' -o -name 'leak-*' \) | sort)

    echo "== $target: fuzzing for ${seconds}s, inputs up to $max_len bytes${dict:+, dictionary $dict} (log: $log)" >&2
    set +e
    # The binary just built, run as `cargo fuzz run TARGET CORPUS SEEDS... -- FLAGS`
    # runs it, but without a second build: other people's edits to src/ in between
    # would make `cargo fuzz run` rebuild inside the time limit. The outer timeout
    # only catches a libFuzzer that stops honouring its own limits.
    timeout --kill-after=30 $((seconds + input_timeout + 120)) \
        "fuzz/target/$host/release/$target" \
        -artifact_prefix="$artifacts/" \
        -max_total_time="$seconds" -max_len="$max_len" -timeout="$input_timeout" \
        -report_slow_units=2 -rss_limit_mb=2048 -print_final_stats=1 \
        ${dict:+-dict="$dict"} "${keep_going[@]}" \
        "$corpus" "${seeds[@]}" >"$log" 2>&1
    rc=$?
    set -e

    after=$(find "$artifacts" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' -o -name 'leak-*' \) | sort)
    found=$(comm -13 <(echo "$before") <(echo "$after") | sed '/^$/d')
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)
    speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n1)
    if [ ${#keep_going[@]} -gt 0 ]; then
        # Fork mode prints no final stats: its last status line has the totals.
        execs=$(grep -E '^#[0-9]+' "$log" | tail -n1 | sed -n 's/^#\([0-9]*\).*/\1/p')
        speed=$(grep -E '^#[0-9]+' "$log" | tail -n1 | sed -n 's/.*exec\/s: \([0-9]*\).*/\1/p')
    fi
    rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log" | tail -n1)
    last=$(grep -E '^#[0-9]+' "$log" | tail -n1 || true)
    cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
    ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
    corp=$(sed -n 's/.* corp: \([^ ]*\).*/\1/p' <<<"$last")
    slow=$(grep -c '^Slowest unit' "$log" || true)

    echo "== $target: executions=${execs:-?} exec/s=${speed:-?} cov=${cov:-?} ft=${ft:-?} corpus=${corp:-?} peak_rss_mb=${rss:-?} slow_units_reported=${slow} exit=$rc"
    if [ $rc -ne 0 ] || [ -n "$found" ]; then
        status=1
        if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
            echo "== $target: HUNG: libFuzzer did not stop within its time limit" >&2
        fi
        echo "== $target: CRASH FOUND (exit $rc)${found:+: $found}" >&2
        grep -E -m5 'panicked at|ERROR: libFuzzer|ERROR: AddressSanitizer|SUMMARY' "$log" >&2 || true
    else
        echo "== $target: no crash found"
    fi
done
exit $status
