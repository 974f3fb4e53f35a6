# What the bench scripts share; sourced after `set -euo pipefail` and `cd` to the repository.
# A work directory, removed at exit with every process whose pid is in `pids` (KEEP=1 keeps both: stop
# them by hand), the release build of vigil as $vigil, and loopback ports and a Prometheus to read from.
work="$(mktemp -d)"
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
if [ -n "${KEEP:-}" ]; then trap - EXIT; fi

swift build -c release --product vigil 2>&1 | tail -n 1
vigil="$PWD/.build/release/vigil"

# A loopback port no one listens on now.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# start_prometheus OPENMETRICS [CONFIG]: Debian's Prometheus serving OPENMETRICS's samples (loaded as TSDB
# blocks with promtool, kept however old) on a free loopback port, CONFIG its configuration (no scrapes
# by default); returns once it is ready, its address in $prometheus_url.
start_prometheus() {
    local samples=$1 config=${2:-"scrape_configs: []"} port
    promtool tsdb create-blocks-from openmetrics "$samples" "$work/data" > "$work/promtool.log"
    printf '%s\n' "$config" > "$work/prometheus.yml"
    port=$(free_port)
    prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/data" \
        --storage.tsdb.retention.time=100y --web.listen-address="127.0.0.1:$port" > "$work/prometheus.log" 2>&1 &
    pids+=($!)
    prometheus_url="http://127.0.0.1:$port"
    for _ in $(seq 600); do curl -sf "$prometheus_url/-/ready" > /dev/null && return; sleep 0.1; done
    echo "Prometheus was not ready in a minute:" >&2; cat "$work/prometheus.log" >&2; exit 1
}
