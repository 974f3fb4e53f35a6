#!/usr/bin/env bash
# Vigil's main job on bundled data: builds vigil, checks and reads the sample expositions, finds
# the anomaly in a recorded series, diagnoses the bundled scenarios (vigil demo), then runs the daemon
# against a real node_exporter for a few seconds.
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
$vigil parse sample-metrics/checkout-service.om | sed -n 1,12p

echo
echo "== vigil detect: ten days of a checkout p99 latency with a daily cycle and one bad rollout"
echo "   (rows scoring at or above the alarm threshold 0.3; every other row scores below it)"
$vigil detect sample-metrics/checkout-p99-latency.csv - | awk -F, 'NR == 1 || $3 >= 0.3' 

echo
echo "== vigil demo: a recorded incident diagnosed and explained (no cluster, no network)"
$vigil demo

echo
echo "== vigil demo --all: every bundled scenario beside its expected diagnosis"
$vigil demo --all

echo
echo "== vigil diagnose: a recorded crash loop after a rollout, as Markdown for a ticket"
$vigil diagnose --replay sample-metrics/scenarios/crashloop-after-rollout-1 -o markdown || echo "(exit status $? — 1: incidents found)"

echo
echo "== vigil run: the daemon scraping a real node_exporter (both on loopback, stopped after ~6 s)"
port=$((20000 + RANDOM % 20000))
/usr/bin/prometheus-node-exporter --web.listen-address="127.0.0.1:$port" >/dev/null 2>&1 &
exporter=$!
state="$(mktemp -d)"
$vigil run --scrape "http://127.0.0.1:$port/metrics" --job node --interval 1s \
    --listen "127.0.0.1:$((port + 1))" --state-dir "$state" --checkpoint-interval 2s 2>"$state/vigil.log" &
daemon=$!
trap 'kill $daemon $exporter 2>/dev/null || true; rm -rf "$state"' EXIT
sleep 6
echo "-- GET /readyz: $(curl -s "127.0.0.1:$((port + 1))/readyz")"
echo "-- GET /api/v1/targets"
curl -s "127.0.0.1:$((port + 1))/api/v1/targets"
echo
echo "-- GET /metrics (Vigil's own counters, and a few of the $(curl -s "127.0.0.1:$((port + 1))/metrics" | grep -c '^vigil_anomaly_score{') scores)"
curl -s "127.0.0.1:$((port + 1))/metrics" | grep -E '^vigil_(scrapes_total|series |anomalies )'
curl -s "127.0.0.1:$((port + 1))/metrics" | grep -E '^vigil_anomaly_score\{metric="(node_load1|up|node_cpu_seconds_total)"' | sed -n 1,4p
kill -TERM $daemon
wait $daemon || true
echo "-- its log (logfmt), ending with the checkpoint written at SIGTERM:"
cat "$state/vigil.log"
