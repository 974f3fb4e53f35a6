#!/usr/bin/env bash
# Vigil's main job on bundled data: builds vigil, checks and reads the sample expositions, and finds
# the anomaly in a recorded series.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/check-toolchain.sh
scripts/install-deps.sh
swift build --product vigil 2>&1 | tail -n 1
vigil=.build/debug/vigil

echo "== vigil lint sample-metrics/*.prom sample-metrics/*.om"
$vigil lint sample-metrics/*.prom sample-metrics/*.om

echo
echo "== a broken exposition is refused whole, with FILE:LINE:COL"
$vigil lint sample-metrics/invalid/* || echo "(exit status $? — as expected)"

echo
echo "== vigil parse sample-metrics/checkout-service.om (first lines)"
$vigil parse sample-metrics/checkout-service.om | head -n 12

echo
echo "== vigil detect: ten days of a checkout p99 latency with a daily cycle and one bad rollout"
echo "   (rows scoring at or above the alarm threshold 0.3; every other row scores below it)"
$vigil detect sample-metrics/checkout-p99-latency.csv - | awk -F, 'NR == 1 || $3 >= 0.3' 
