#!/usr/bin/env bash
# Runs the exposition fuzzer (libFuzzer + ASan) for N seconds (default 600).
# First replays every saved regression input; new crashers land in Fuzz/ as crash-* files:
# move each into Fuzz/regressions/ and add a unit test for it.
# Usage: scripts/fuzz.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/../Fuzz"
seconds="${1:-600}"

swift build -c release --sanitize=fuzzer -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library \
    --scratch-path ../.build-fuzz --product FuzzExposition 2>&1 | tail -n 1
fuzzer=../.build-fuzz/release/FuzzExposition

# Regressions: each saved input must run clean.
shopt -s nullglob
regressions=(regressions/*)
if [ ${#regressions[@]} -gt 0 ]; then
    LSAN_OPTIONS="suppressions=$PWD/lsan.supp" "$fuzzer" -runs=1 "${regressions[@]}" 2>&1 | tail -n 1
fi

# Seeds: the conformance cases and sample expositions, copied into a scratch corpus.
work=corpus-work
mkdir -p "$work"
cp -n corpus/* "$work"/ 2>/dev/null || true
for case in ../Tests/VigilCoreTests/Fixtures/openmetrics-tests/*/; do
    cp -n "$case/metrics" "$work/om-$(basename "$case")" 2>/dev/null || true
done
LSAN_OPTIONS="suppressions=$PWD/lsan.supp" "$fuzzer" -dict=exposition.dict -max_total_time="$seconds" -max_len=4096 -rss_limit_mb=2048 \
    -timeout=10 -print_final_stats=1 "$work" 2>&1 | grep -E "^(#[0-9]+.*DONE|stat::number_of_executed_units|stat::peak_rss|Done|INFO: seed corpus)|ERROR|SUMMARY|Test unit written" || true
findings=(crash-* leak-* timeout-* oom-*)
if [ ${#findings[@]} -gt 0 ]; then
    echo "fuzzer found a failure: ${findings[*]} (in Fuzz/)" >&2
    exit 1
fi
