#!/usr/bin/env bash
# Vigil's main job on bundled data: builds vigil, then checks and reads the sample expositions.
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
$vigil lint sample-metrics/invalid/*.prom || echo "(exit status $? — as expected)"

echo
echo "== vigil parse sample-metrics/checkout-service.om (first lines)"
$vigil parse sample-metrics/checkout-service.om | head -n 12
