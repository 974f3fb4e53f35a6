#!/usr/bin/env bash
# How long `vigil diagnose --prometheus` takes on a namespace of PODS pods × 50 series over HOURS hours at
# a 15 s step (issue 13: 200 × 50 × 6 h ≤ 5 s), read from a real local Prometheus loaded with promtool —
# by remote read (the default) and by query_range — beside its peer in the same run: `vigil diagnose
# --replay` of the same samples from OpenMetrics text.
# Prints each run's wall time and Vigil's own breakdown (--timings), then the medians.
# Usage: scripts/bench-diagnose.sh [PODS=200] [HOURS=6] [RUNS=5]   (KEEP=1 keeps the generated data and TSDB)
set -euo pipefail
cd "$(dirname "$0")/.."
pods="${1:-200}"; hours="${2:-6}"; runs="${3:-5}"
source scripts/bench-lib.sh

# 56 series a pod, 50 of them selected by the default rules: 2 containers' working set and memory limit,
# their CFS periods and throttled periods (counters), requests by 6 codes and 2 methods (counters), and a
# latency histogram on 3 routes (10 buckets, and the _count and _sum no rule reads). pod-7's working set
# climbs in the last 40 minutes.
mkdir -p "$work/scenario"
python3 - "$work/scenario/metrics.om" "$pods" "$hours" <<'PY'
import math, random, sys
path, pods, hours = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
step, end = 15, 1796000400
start = end - int(hours * 3600)
times = range(start, end + 1, step)
random.seed(13)
out = open(path, "w", buffering=1 << 22)
def family(name, kind, series):
    out.write(f"# TYPE {name} {kind}\n")
    for labels, values in series:
        prefix = f"{name}{labels} "
        out.write("".join(f"{prefix}{v} {t}\n" for t, v in zip(times, values)))
def pod_labels(p, extra=""):
    return f'namespace="bench",pod="api-{p}",node="node-{p % 10}"' + extra
def gauge(base, noise, climb=None):
    values = []
    for i, t in enumerate(times):
        v = base * (1 + 0.1 * math.sin(2 * math.pi * (t % 86400) / 86400)) + random.gauss(0, noise)
        if climb and t > end - 2400: v += climb * (t - (end - 2400)) / 2400
        values.append(round(max(v, 0)))
    return values
def counter(rate):
    total, values = 0.0, []
    for t in times:
        total += max(rate * (1 + random.gauss(0, 0.05)), 0) * step
        values.append(round(total, 3))
    return values
containers = ["app", "sidecar"]
family("container_memory_working_set_bytes", "gauge",
       [("{" + pod_labels(p, f',container="{c}"') + "}", gauge(300e6 if c == "app" else 50e6, 2e6, 400e6 if p == 7 and c == "app" else None))
        for p in range(pods) for c in containers])
family("kube_pod_container_resource_limits", "gauge",
       [("{" + pod_labels(p, f',container="{c}",resource="memory",unit="byte"') + "}", [1073741824] * len(times))
        for p in range(pods) for c in containers])
for name, rate in [("container_cpu_cfs_periods", 10.0), ("container_cpu_cfs_throttled_periods", 0.5)]:
    family(name, "counter", [("_total{" + pod_labels(p, f',container="{c}"') + "}", counter(rate))
                             for p in range(pods) for c in containers])
family("http_requests", "counter",
       [("_total{" + pod_labels(p, f',code="{code}",method="{m}"') + "}", counter(rate))
        for p in range(pods)
        for code, rate in [("200", 50.0), ("302", 2.0), ("404", 1.0), ("429", 0.1), ("500", 0.05), ("503", 0.02)]
        for m in ["GET", "POST"]])
# Buckets are cumulative integer counts (OpenMetrics): each step's requests spread over fixed shares.
bounds = ["0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "+Inf"]
shares = [0.05, 0.15, 0.35, 0.6, 0.8, 0.92, 0.97, 0.99, 0.998, 1.0]
out.write("# TYPE http_request_duration_seconds histogram\n")
for p in range(pods):
    for route in ["/a", "/b", "/c"]:
        requests, latency, totals, sums = 0, 0.0, [], []
        for t in times:
            n = max(0, round(random.gauss(150, 10)))
            requests += n
            latency += n * 0.06
            totals.append(requests)
            sums.append(round(latency, 3))
        labels = pod_labels(p, f',route="{route}"')
        prefixes = ["http_request_duration_seconds_bucket{" + labels + f',le="{le}"' + "} " for le in bounds]
        # One histogram point at a time: every bucket, the count and the sum of one timestamp together.
        for t, total, total_sum in zip(times, totals, sums):
            out.write("".join(f"{prefix}{int(total * share)} {t}\n" for prefix, share in zip(prefixes, shares)))
            out.write(f"http_request_duration_seconds_count{{{labels}}} {total} {t}\n")
            out.write(f"http_request_duration_seconds_sum{{{labels}}} {total_sum} {t}\n")
out.write("# EOF\n")
PY
lines=$(grep -vc '^#' "$work/scenario/metrics.om")
echo "data: $pods pods × 56 series (50 read) × $((hours * 240 + 1)) points = $lines samples, $(du -m "$work/scenario/metrics.om" | cut -f1) MB of OpenMetrics"

start_prometheus "$work/scenario/metrics.om" "global: {scrape_interval: 1m}
scrape_configs: []"

end=1796000400
start=$((end - hours * 3600))
live=("$vigil" diagnose --prometheus "$prometheus_url" -n bench --since "$start" --until "$end" --step 15s -o json --timings)
range=("${live[@]}" --prometheus-api query-range)
replay=("$vigil" diagnose --replay "$work/scenario" -o json --timings)

# One untimed run of each (Prometheus's page cache and its first query of each series), then RUNS each.
"${live[@]}" >"$work/live.json" 2>/dev/null || [ $? -eq 1 ]
"${range[@]}" >"$work/range.json" 2>/dev/null || [ $? -eq 1 ]
"${replay[@]}" >"$work/replay.json" 2>/dev/null || [ $? -eq 1 ]
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
measure() {
    local label=$1; shift
    for _ in $(seq "$runs"); do
        local before after
        before=$(date +%s.%N)
        local status=0
        "$@" >/dev/null 2>"$work/timings" || status=$?
        if [ "$status" -gt 1 ]; then echo "$label failed: $(cat "$work/timings")" >&2; exit 1; fi
        after=$(date +%s.%N)
        awk "BEGIN { printf \"%.3f\\n\", $after - $before }" >>"$work/$label.times"
        echo "  $label $(tail -n 1 "$work/$label.times") s wall; $(cat "$work/timings")" >&2
    done
}
measure prometheus "${live[@]}"
measure query-range "${range[@]}"
measure replay "${replay[@]}"
echo "load average during the runs: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "vigil diagnose --prometheus (remote read): median $(median <"$work/prometheus.times") s wall over $runs runs"
echo "vigil diagnose --prometheus --prometheus-api query-range: median $(median <"$work/query-range.times") s wall"
echo "vigil diagnose --replay (peer, same samples from OpenMetrics text): median $(median <"$work/replay.times") s wall"
incidents() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["incidents"])' "$1"; }
if cmp -s <(incidents "$work/live.json") <(incidents "$work/replay.json") \
    && cmp -s <(incidents "$work/range.json") <(incidents "$work/replay.json"); then
    echo "both give the same incidents: $(python3 -c 'import json,sys; print([(i["workload"], i["cause"]) for i in json.load(open(sys.argv[1]))["incidents"]])' "$work/live.json")"
else
    echo "the incidents differ between remote read, query_range and --replay" >&2
    exit 1
fi
