#!/usr/bin/env bash
# Detector speed against its peer, both measured in the same run: the DetectorBenchmarks suite (a million
# series, one sample each per round, 15 s apart) for the default detector (daily profile included),
# the same without the profile, and a plain EWMA z-score. Prints updates per second per core from each
# benchmark's p90 round time, the ensemble's cost as a multiple of the EWMA's, and allocations per round
# (the CI gate, `scripts/test.sh`, requires 0). Exits 1 if the default detector is under the bar of
# 5 M updates/s.
# Usage: scripts/bench-detector.sh
set -euo pipefail
cd "$(dirname "$0")/.."
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

swift package --package-path Benchmarks benchmark --target DetectorBenchmarks --no-progress \
    --format metricP90AbsoluteThresholds --path "$work" >/dev/null
python3 - "$work" <<'PY'
import json, pathlib, sys
rows = {}
for path in sorted(pathlib.Path(sys.argv[1]).glob("DetectorBenchmarks.*.p90.json")):
    name = path.name[len("DetectorBenchmarks."):-len(".p90.json")]
    rows[name] = json.loads(path.read_text())
peer = rows["ewma-1M-series"]["wallClock"]
print(f'{"benchmark":34} {"p90 round ms":>13} {"M updates/s":>12} {"× EWMA time":>12} {"allocs/round":>13}')
for name, metrics in rows.items():
    wall = metrics["wallClock"]  # nanoseconds per round of 1,000,000 updates
    print(f'{name:34} {wall / 1e6:13.1f} {1e9 / wall:12.1f} {wall / peer:12.1f} {metrics["mallocCountTotal"]:13d}')
default = rows["ensemble-1M-series"]["wallClock"]
if 1e9 / default < 5:
    print(f"default detector: {1e9 / default:.1f} M updates/s, under the bar of 5 M")
    sys.exit(1)
PY
