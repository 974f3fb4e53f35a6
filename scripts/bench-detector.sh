#!/usr/bin/env bash
# Detector speed against its peer, both measured in the same run: the DetectorBenchmarks suite (a million
# series, one sample each per round, 15 s apart) for the default detector (daily profile included),
# the same without the profile, and a plain EWMA z-score. Prints each benchmark's fastest, median and p90
# round, updates per second per core from the fastest and the median round, the ensemble's round as a
# multiple of the EWMA's, and allocations per round (the CI gate, `scripts/test.sh`, requires 0 beyond
# the harness's own). Exits 1 if the default detector's fastest round is under the bar of 5 M updates/s
# in each of three runs.
#
# Why the fastest round: a round over a million series is bound by memory, which this machine's host
# shares with other tenants, and whole runs of rounds slow down together. In two runs minutes apart here,
# on the same build with nothing else running, the default detector's rounds took 130-244 ms with the
# median at 239 ms (4.2 M/s) in one, and 127-156 ms with the median at 143 ms (7.0 M/s) in the next; the
# p90, which this gate read until stop 40, measured 4.5 to 9.3 M/s in CI's runs. The fastest round
# (119-132 ms in every run that day) is the code's speed with the least of the neighbours in it, and a
# regression that adds work to every update slows every round, the fastest with them: the bar, 200 ms a
# round, leaves room for rounds about 55 % slower than those. Work added to some rounds only is not gated
# (the median is printed, not checked). Three runs, for a run a neighbour slowed from end to end. Each
# run's table is printed.
# Usage: scripts/bench-detector.sh
set -euo pipefail
cd "$(dirname "$0")/.."
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

for run in 1 2 3; do
    rm -f "$work"/*.tsv
    swift package --package-path Benchmarks benchmark --target DetectorBenchmarks --no-progress \
        --format histogramPercentiles --time-units microseconds --path "$work" >/dev/null
    echo "run $run of at most 3:"
    if python3 - "$work" <<'PY'
import pathlib, re, sys

# One file a benchmark and metric: "Percentile<TAB>Time (wall clock) (μs) *", then "0<TAB>121000" … "100<TAB>146000";
# a count may be scaled too ("Malloc (total) (K) *").
UNITS = {"ns": 1, "μs": 1e3, "us": 1e3, "ms": 1e6, "s": 1e9, "K": 1e3, "M": 1e6, "G": 1e9}
def percentiles(path):
    lines = path.read_text().splitlines()
    unit = re.search(r"\((ns|μs|us|ms|s|K|M|G)\)", lines[0])
    if unit is None and lines[0].split("\t")[1].startswith("Time"):
        sys.exit(f"{path.name}: no unit of time in {lines[0]!r}")
    scale = UNITS[unit.group(1)] if unit else 1
    return {int(p): float(v) * scale for p, v in (line.split("\t") for line in lines[1:] if line.strip())}

rows = {}
for path in sorted(pathlib.Path(sys.argv[1]).glob("*.DetectorBenchmarks.*.wallClock.histogram.percentiles.tsv")):
    name = path.name.split(".DetectorBenchmarks.")[1][: -len(".wallClock.histogram.percentiles.tsv")]
    allocations = path.with_name(path.name.replace(".wallClock.", ".mallocCountTotal."))
    rows[name] = (percentiles(path), percentiles(allocations)[100])
peer = rows["ewma-1M-series"][0][0]
print(f'{"benchmark":32} {"fastest ms":>10} {"median ms":>10} {"p90 ms":>7} {"M/s fastest":>12} {"M/s median":>11} '
      f'{"× EWMA":>7} {"allocs/round":>13}')
for name, (wall, allocations) in rows.items():
    # Nanoseconds per round of 1,000,000 updates.
    print(f'{name:32} {wall[0] / 1e6:10.1f} {wall[50] / 1e6:10.1f} {wall[90] / 1e6:7.1f} {1e9 / wall[0]:12.1f} '
          f'{1e9 / wall[50]:11.1f} {wall[0] / peer:7.1f} {allocations:13.0f}')
fastest = 1e9 / rows["ensemble-1M-series"][0][0]
if fastest < 5:
    print(f"default detector: {fastest:.1f} M updates/s in its fastest round, under the bar of 5 M")
    sys.exit(3)
PY
    then
        exit 0
    else
        # 3 is "under the bar": run again. Anything else is the export or this script going wrong.
        status=$?
        [ "$status" -eq 3 ] || exit "$status"
    fi
done
echo "the default detector's fastest round was under the bar of 5 M updates/s in all three runs"
exit 1
