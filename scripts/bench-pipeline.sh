#!/usr/bin/env bash
# End-to-end cost of the daemon against Debian's Prometheus, both measured in the same run on the same
# target: a kube-state-metrics-shaped exposition of ~100k series served over loopback, scraped by
# `vigil run` and by `prometheus` at the same interval. Reports CPU-seconds (user+system, from
# /proc/PID/stat) per million samples scraped, each process's resident memory, and Vigil's memory per
# series (whole RSS, and the growth over an idle Vigil with no target).
# With VARY=1 the target serves the capture and its every-gauge-plus-one twin in turn, to each scraper (told
# apart by User-Agent) on its own, so both see every gauge change every scrape and every series Vigil
# watches grows its daily profile.
# Usage: scripts/bench-pipeline.sh [SERIES=100000] [SECONDS=120] [INTERVAL=10] [VARY=0]
set -euo pipefail
cd "$(dirname "$0")/.."
series="${1:-100000}"; duration="${2:-120}"; interval="${3:-10}"; vary="${4:-0}"
source scripts/bench-lib.sh
$vigil generate kube-state-metrics --samples "$series" > "$work/metrics.prom"
if [ "$vary" = 1 ]; then
    $vigil generate kube-state-metrics --samples "$series" --gauges-plus-one > "$work/varied.prom"
else
    cp "$work/metrics.prom" "$work/varied.prom"
fi
samples_per_scrape=$(grep -vc '^#' "$work/metrics.prom")

base=$((40000 + RANDOM % 10000))
target_port=$base; vigil_port=$((base + 1)); idle_port=$((base + 2)); prom_port=$((base + 3))

# The target: text 0.0.4 (uncompressed, so neither side decodes gzip); the same bytes every scrape unless VARY.
python3 - "$work/metrics.prom" "$work/varied.prom" "$target_port" <<'PY' &
import collections, http.server, socketserver, sys, threading
bodies = [open(sys.argv[1], "rb").read(), open(sys.argv[2], "rb").read()]
served = collections.Counter()
lock = threading.Lock()
class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        with lock:
            client = self.headers.get("User-Agent", "")
            body = bodies[served[client] % 2]
            served[client] += 1
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args): pass
class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    request_queue_size = 64
Server(("127.0.0.1", int(sys.argv[3])), Handler).serve_forever()
PY
pids+=($!)

cat > "$work/prometheus.yml" <<YAML
global: {scrape_interval: ${interval}s, scrape_timeout: $((interval - 1))s}
scrape_configs:
  - job_name: target
    static_configs: [{targets: ['127.0.0.1:$target_port']}]
YAML
sleep 1
(cd "$work" && exec /usr/bin/prometheus --config.file=prometheus.yml --storage.tsdb.path=data \
    --web.listen-address=127.0.0.1:$prom_port --log.level=warn 2>prometheus.log) &
pids+=($!); prom_pid=$!
$vigil run --scrape "http://127.0.0.1:$target_port/metrics" --interval "${interval}s" \
    --listen "127.0.0.1:$vigil_port" --log-level warning 2>"$work/vigil.log" &
pids+=($!); vigil_pid=$!
$vigil run --listen "127.0.0.1:$idle_port" --log-level warning 2>/dev/null &
pids+=($!); idle_pid=$!

cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rss() { awk '/VmRSS/ {print $2 * 1024}' "/proc/$1/status"; }
anon() { awk '/RssAnon/ {print $2 * 1024}' "/proc/$1/status"; }
vigil_samples() { curl -s "127.0.0.1:$vigil_port/metrics" | awk '/^vigil_samples_scraped_total/ {print $2}'; }
prom_samples() {
    curl -s "127.0.0.1:$prom_port/metrics" | awk '/^prometheus_tsdb_head_samples_appended_total/ {s += $2} END {print s + 0}'
}

# Warm up: two scrapes each (series created, caches filled), then measure.
sleep $((2 * interval + 5))
ticks=$(getconf CLK_TCK)
# Sample counters are read outside the CPU window: rendering Vigil's /metrics (a score for each of the
# 100k series) is serving, not scraping, and is measured on its own below.
v_s0=$(vigil_samples); p_s0=$(prom_samples); v_cpu0=$(cpu $vigil_pid); p_cpu0=$(cpu $prom_pid)
sleep "$duration"
v_cpu1=$(cpu $vigil_pid); p_cpu1=$(cpu $prom_pid); v_s1=$(vigil_samples); p_s1=$(prom_samples)
render0=$(cpu $vigil_pid); for _ in 1 2 3 4 5; do vigil_samples >/dev/null; done; render1=$(cpu $vigil_pid)
v_rss=$(rss $vigil_pid); p_rss=$(rss $prom_pid); idle_rss=$(rss $idle_pid)
v_anon=$(anon $vigil_pid); idle_anon=$(anon $idle_pid)
v_series=$(curl -s "127.0.0.1:$vigil_port/metrics" | awk '/^vigil_series / {print $2}')

python3 - <<PY
ticks = $ticks
v_cpu = ($v_cpu1 - $v_cpu0) / ticks; p_cpu = ($p_cpu1 - $p_cpu0) / ticks
v_samples = $v_s1 - $v_s0; p_samples = $p_s1 - $p_s0
v = v_cpu / v_samples * 1e6; p = p_cpu / p_samples * 1e6
series = float("$v_series")
print(f"target: {$samples_per_scrape} samples per scrape, every ${interval}s, measured over ${duration}s"
      f"{', every gauge varying' if '$vary' == '1' else ', the same bytes every scrape'}")
print(f"{'':12} {'CPU s':>8} {'samples':>10} {'CPU s / 1M samples':>19} {'RSS MB':>8}")
print(f"{'vigil':12} {v_cpu:8.2f} {v_samples:10.0f} {v:19.3f} {$v_rss/1e6:8.1f}")
print(f"{'prometheus':12} {p_cpu:8.2f} {p_samples:10.0f} {p:19.3f} {$p_rss/1e6:8.1f}")
print(f"ratio prometheus/vigil CPU per sample: {p / v:.1f}x (bar: >= 9x)")
print(f"vigil: {series:.0f} series; RSS {$v_rss / series:.0f} B/series; "
      f"growth over an idle vigil ({$idle_rss/1e6:.1f} MB): {($v_rss - $idle_rss) / series:.0f} B/series (bar: <= 700)")
print(f"vigil anonymous memory (heap, no shared library pages): {$v_anon/1e6:.1f} MB, "
      f"growth over idle ({$idle_anon/1e6:.1f} MB): {($v_anon - $idle_anon) / series:.0f} B/series")
print(f"prometheus: {$p_rss / series:.0f} B/series")
print(f"serving vigil's /metrics ({series:.0f} scores): {($render1 - $render0) / ticks / 5 * 1000:.0f} ms CPU each")
PY
