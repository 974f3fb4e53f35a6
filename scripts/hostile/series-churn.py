#!/usr/bin/env python3
"""Probe: a target exposing new series at every scrape cannot grow the daemon without bound: the series
count stops at series_limit, refusals are counted, checkpoints stay small, SIGTERM ends it promptly, and a
restart answers /healthz while it restores.
Usage: series-churn.py VIGIL"""
import os
import tempfile
import threading
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _probe import Daemon, Target, check, finish, get, metric  # noqa: E402

vigil = sys.argv[1]
LIMIT = 20_000
PER_SCRAPE = 10_000
lock = threading.Lock()
scrapes = [0]


def churn(_):
    with lock:
        round = scrapes[0]
        scrapes[0] += 1
    body = "".join(f'churn_series{{round="{round}",n="{n}"}} {n}\n' for n in range(PER_SCRAPE))
    return 200, [("Content-Type", "text/plain; version=0.0.4")], body.encode()


target = Target(churn)
config = f"""series_limit: {LIMIT}
checkpoint_interval: 2s
scrape_configs:
  - job_name: churn
    scrape_interval: 1s
    static_configs: [{{targets: ['127.0.0.1:{target.port}']}}]
"""
state_dir = os.path.join(tempfile.mkdtemp(prefix="vigil-churn-"), "state")
daemon = Daemon(vigil, "--state-dir", state_dir, config=config)
check(daemon.wait_healthy(), "the daemon starts")
deadline = time.monotonic() + 40
while time.monotonic() < deadline and scrapes[0] < 8:
    time.sleep(0.5)
time.sleep(3)
_, text = get(daemon.url + "/metrics")
series = metric(text, "vigil_series")
refused = metric(text, "vigil_series_refused_total")
check(series is not None and series <= LIMIT, f"vigil_series stays at the limit: {series} (limit {LIMIT}, {PER_SCRAPE} new series a scrape)")
check(refused is not None and refused > 0, f"refused series are counted: vigil_series_refused_total {refused}")
check((metric(text, "vigil_target_scrapes_exceeded_series_limit_total") or 0) > 0, "scrapes over the limit are counted")
status = None
with open(f"/proc/{daemon.process.pid}/status") as file:
    for line in file:
        if line.startswith("VmRSS:"):
            status = int(line.split()[1]) // 1024
check(status is not None and status < 600, f"resident memory bounded: {status} MB")
size = os.path.getsize(os.path.join(state_dir, "detectors.checkpoint")) if os.path.exists(os.path.join(state_dir, "detectors.checkpoint")) else 0
check(0 < size < 64 << 20, f"the checkpoint is bounded: {size} bytes")
seconds = daemon.stop()
check(seconds is not None and seconds < 20, f"SIGTERM stops it in {seconds} s (bound 20 s)")
target.stop()

restarted = Daemon(vigil, "--state-dir", state_dir, config=config.replace(f"127.0.0.1:{target.port}", "127.0.0.1:1"))
started = time.monotonic()
check(restarted.wait_healthy(), f"after a restart /healthz answers ({time.monotonic() - started:.1f} s)")
# Ready only once the checkpoint is read: a fixed wait failed on a loaded machine (20,000 series, 14 MB).
started = time.monotonic()
check(restarted.wait_ready(), f"ready after the restore ({time.monotonic() - started:.1f} s)")
check("restored learnt state" in restarted.output(), "and the checkpoint is restored")
restarted.stop()
finish()
