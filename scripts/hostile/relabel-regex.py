#!/usr/bin/env python3
"""Probe: a metric_relabel_configs regex that Go's RE2 refuses (a lookahead, a backreference) is refused
at start with Prometheus's words and the file:line:col; one that a backtracking engine takes time
exponential in the value's length on, over a long label value, leaves the scrape as prompt as RE2 does.
Usage: relabel-regex.py VIGIL"""
import json
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _probe import Daemon, Target, check, finish, get, metric, run  # noqa: E402

vigil = sys.argv[1]
directory = tempfile.mkdtemp(prefix="vigil-regex-")
for regex, message in [
    ("(?=x)y", "error parsing regexp: invalid or unsupported Perl syntax: `(?=`"),
    ("(a)\\\\1", "error parsing regexp: invalid escape sequence: `\\1`"),
    ("a*+", "error parsing regexp: invalid nested repetition operator: `*+`"),
]:
    path = os.path.join(directory, "vigil.yaml")
    with open(path, "w") as file:
        file.write(f"""scrape_configs:
  - job_name: a
    static_configs: [{{targets: ['127.0.0.1:1']}}]
    metric_relabel_configs:
      - {{source_labels: [__name__], regex: "{regex}", action: drop}}
""")
    status, _, stderr, _ = run([vigil, "run", "--config", path, "--listen", "127.0.0.1:0"], timeout=20)
    check(status == 1 and message in stderr and "vigil.yaml:5:" in stderr, f"regex {regex!r}: refused with {message!r} at vigil.yaml:5")

# Fibonacci(40), about 10^8 ways, for a backtracking engine to refuse `(a|aa)*b` on 40 a's; `(a?){40}a{40}`
# takes 2^40. RE2 reads each value once, a few instructions at a time.
victims = "".join(f'victim{{path="{"a" * length}"}} 1\n' for length in (40, 4_000, 40_000))
target = Target(lambda _: (200, [("Content-Type", "text/plain; version=0.0.4")], victims.encode()))
daemon = Daemon(vigil, config=f"""scrape_configs:
  - job_name: victims
    scrape_interval: 1s
    static_configs: [{{targets: ['127.0.0.1:{target.port}']}}]
    metric_relabel_configs:
      - {{source_labels: [path], regex: "(a|aa)*b", action: drop}}
      - {{source_labels: [path], regex: "(a?){{40}}a{{40}}", action: keep}}
""")
health = {}
deadline = time.monotonic() + 20
while time.monotonic() < deadline and health.get("health", "unknown") == "unknown":
    status, body = get(daemon.url + "/api/v1/targets")
    if status == 200 and json.loads(body)["data"]:
        health = json.loads(body)["data"][0]
    time.sleep(0.2)
_, text = get(daemon.url + "/metrics")
daemon.stop()
check(metric(text, "vigil_series") == 4, f"the rules ran: the 40-a victim kept, the longer two dropped (with up, scrape_duration_seconds and scrape_samples_scraped, 4 series): {metric(text, 'vigil_series')}")
check(health.get("health") == "up" and (health.get("lastScrapeDuration") or 99) < 2, f"a scrape through (a|aa)*b and (a?){{40}}a{{40}} on values of 40 to 40,000 a's ends up within 2 s: {health.get('health')}, {health.get('lastScrapeDuration')} s")
finish()
