#!/usr/bin/env bash
# How long `vigil run` takes to learn its detectors from Prometheus at a start with no checkpoint
# (detection.backfill): SERIES series of one job (half gauges, half counters) over HOURS hours of 15-s
# scrapes, loaded into a real local Prometheus with promtool. Beside it, in the same run, its peer: the
# same history fetched as `query_range` JSON with curl, window by window as Vigil asks for it (the
# transfer alone, no replay).
# Usage: scripts/bench-backfill.sh [SERIES=1000] [HOURS=26]   (KEEP=1 keeps the generated data and TSDB,
# and leaves Prometheus and vigil running: stop them by hand)
set -euo pipefail
cd "$(dirname "$0")/.."
series="${1:-1000}"; hours="${2:-26}"
source scripts/bench-lib.sh

# Ends a step before now, on the 15-s grid, as a Prometheus scraping until now would hold it. Every
# series is the one static target's (127.0.0.1:9, which Vigil is given and never reaches): a job of
# static targets is read for their instances only.
end=$(( $(date +%s) / 15 * 15 - 15 ))
python3 - "$work/history.om" "$series" "$hours" "$end" <<'PY'
import math, random, sys
path, series, hours, end = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
times = range(end - int(hours * 3600), end + 1, 15)
random.seed(19)
out = open(path, "w", buffering=1 << 22)
out.write("# TYPE bench_level gauge\n")
for k in range(series // 2):
    base, swing = random.uniform(10, 1000), random.uniform(0.1, 0.5)
    prefix = f'bench_level{{instance="127.0.0.1:9",job="bench",series="{k}"}} '
    out.write("".join(
        f"{prefix}{base * (1 + swing * math.sin(2 * math.pi * t / 86400)) * random.gauss(1, 0.03):.4f} {t}\n"
        for t in times))
out.write("# TYPE bench_requests counter\n")
for k in range(series - series // 2):
    rate, total = random.uniform(1, 200), 0.0
    prefix = f'bench_requests_total{{instance="127.0.0.1:9",job="bench",series="{k}"}} '
    lines = []
    for t in times:
        total += rate * 15 * random.gauss(1, 0.05)
        lines.append(f"{prefix}{total:.0f} {t}\n")
    out.write("".join(lines))
out.write("# EOF\n")
PY
start_prometheus "$work/history.om"
api=$prometheus_url

# The peer: every window Vigil asks for, fetched as query_range JSON.
start=$(( end - hours * 3600 ))
peer_started=$(date +%s.%N)
bytes=0
for ((window = start; window <= end; window += 720 * 15)); do
    last=$(( window + 719 * 15 )); (( last > end )) && last=$end
    size=$(curl -s -o /dev/null -w '%{size_download}' "$api/api/v1/query_range" \
        --data-urlencode 'query={job="bench"}' -d "start=$window" -d "end=$last" -d step=15)
    bytes=$(( bytes + size ))
done
peer=$(python3 -c "import time; print(f'{time.time() - $peer_started:.2f}')")

vigil_port=$(free_port)
cat > "$work/vigil.yaml" <<EOF
listen: 127.0.0.1:$vigil_port
prometheus_url: $api
series_limit: $(( series + 1000 ))
detection: {backfill: ${hours}h}
global: {scrape_interval: 15s}
scrape_configs:
  - job_name: bench
    static_configs: [{targets: ["127.0.0.1:9"]}]
EOF
"$vigil" run --config "$work/vigil.yaml" --log-format json > "$work/vigil.log" 2>&1 &
pids+=($!)
for _ in $(seq 3000); do grep -q "detectors learnt from prometheus" "$work/vigil.log" && break; sleep 0.1; done
line=$(grep "detectors learnt from prometheus" "$work/vigil.log" || { cat "$work/vigil.log"; exit 1; })
# The peak (VmHWM) and what stays (VmRSS), from the kernel's own account of the process.
peak=$(awk '/^VmHWM/ {print int($2 / 1024)}' "/proc/${pids[-1]}/status")
rss=$(awk '/^VmRSS/ {print int($2 / 1024)}' "/proc/${pids[-1]}/status")
echo "history: $series series × ${hours} h at 15 s ($(( (hours * 3600 / 15 + 1) * series )) samples)"
echo "vigil backfill: $line"
echo "vigil resident: peak $peak MiB, after it $rss MiB"
echo "peer (the same windows as query_range JSON, curl, transfer only): ${peer} s, $(( bytes / 1048576 )) MiB"
