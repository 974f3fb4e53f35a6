#!/usr/bin/env bash
# Load on the Alertmanager webhook receiver: wrk POSTs one 10-alert payload (version 4, bearer token) to
# `vigil run`'s /webhook/alertmanager as fast as it can, then — the peer, in the same run — GETs /healthz,
# the server's floor (authentication included, no body, no queue). Reports requests per second and the
# latency percentiles of each, and checks that every delivered alert was counted exactly once:
# vigil_webhook_alerts_total = accepted deliveries (vigil_webhook_requests_total{code="200"}; wrk leaves
# the requests in flight at its deadline out of its own count) × 10, and vigil_webhook_duplicates_total
# = that − 10 (the same ten alerts every time: only the first delivery is new).
# Usage: scripts/bench-webhook.sh [SECONDS=15] [CONNECTIONS=32]   (needs wrk: apt-get install wrk)
set -euo pipefail
cd "$(dirname "$0")/.."
duration="${1:-15}"; connections="${2:-32}"
command -v wrk >/dev/null || scripts/install-deps.sh wrk
source scripts/bench-lib.sh
port=$((40000 + RANDOM % 10000))
echo "bench-token" > "$work/token"
KUBECONFIG="$work/none" "$vigil" run --listen "127.0.0.1:$port" --rules rules --web.bearer-token-file "$work/token" \
    --log-level warning 2> "$work/vigil.log" &
pids+=($!)
for _ in $(seq 100); do curl -sf -H "Authorization: Bearer bench-token" "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done

python3 - "$work/payload.json" <<'PY'
import json, sys
alerts = [{"status": "firing",
           "labels": {"alertname": "CheckoutErrors", "namespace": "shop", "deployment": f"api-{i}", "severity": "warning"},
           "annotations": {"summary": f"api-{i} answers 5xx", "runbook_url": "https://runbooks.example.com/5xx"},
           "startsAt": "2026-11-29T16:02:02.371269Z", "endsAt": "0001-01-01T00:00:00Z",
           "generatorURL": "http://prometheus:9090/graph?g0.expr=up", "fingerprint": f"{i:016x}"} for i in range(10)]
payload = {"receiver": "vigil", "status": "firing", "alerts": alerts, "groupLabels": {"alertname": "CheckoutErrors"},
           "commonLabels": {"alertname": "CheckoutErrors", "namespace": "shop"}, "commonAnnotations": {},
           "externalURL": "http://alertmanager:9093", "version": "4",
           "groupKey": "{}:{alertname=\"CheckoutErrors\"}", "truncatedAlerts": 0}
open(sys.argv[1], "w").write(json.dumps(payload))
PY
cat > "$work/post.lua" <<LUA
local f = io.open("$work/payload.json", "r")
wrk.method = "POST"
wrk.body = f:read("*a")
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer bench-token"
LUA
cat > "$work/get.lua" <<LUA
wrk.headers["Authorization"] = "Bearer bench-token"
LUA

report() {  # name, wrk output
    python3 - "$1" "$2" <<'PY'
import json, re, sys
name, text = sys.argv[1], open(sys.argv[2]).read()
def latency(p):
    m = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s)", text, re.M)
    value, unit = float(m.group(1)), m.group(2)
    return round(value * {"us": 0.001, "ms": 1, "s": 1000}[unit], 3)
requests = int(re.search(r"(\d+) requests in", text).group(1))
errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
print(json.dumps({"endpoint": name, "requests": requests, "requests_per_second": float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1)),
                  "p50_ms": latency(50), "p90_ms": latency(90), "p99_ms": latency(99), "non_2xx": int(errors.group(1)) if errors else 0}))
PY
}
wrk -t2 -c"$connections" -d"${duration}s" --latency -s "$work/post.lua" "http://127.0.0.1:$port/webhook/alertmanager" > "$work/webhook.txt"
report webhook "$work/webhook.txt"
wrk -t2 -c"$connections" -d"${duration}s" --latency -s "$work/get.lua" "http://127.0.0.1:$port/healthz" > "$work/healthz.txt"
report healthz "$work/healthz.txt"

sleep 1  # the queue drains
metrics=$(curl -sf -H "Authorization: Bearer bench-token" "http://127.0.0.1:$port/metrics")
requests=$(echo "$metrics" | awk '/^vigil_webhook_requests_total\{code="200"\}/ {print $2}')
counted=$(echo "$metrics" | awk '/^vigil_webhook_alerts_total\{status="firing"\}/ {print $2}')
duplicates=$(echo "$metrics" | awk '/^vigil_webhook_duplicates_total / {print $2}')
echo "{\"delivered_alerts\": $((requests * 10)), \"counted\": ${counted:-0}, \"duplicates\": ${duplicates:-0}}"
if [ "${counted:-0}" != "$((requests * 10))" ] || [ "${duplicates:-0}" != "$((requests * 10 - 10))" ]; then
    echo "alerts lost or counted twice" >&2
    exit 1
fi
