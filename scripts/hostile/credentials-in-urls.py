#!/usr/bin/env python3
"""Probe: a password in a --scrape URL is used (basic auth) but never published: not in any label of
/metrics, not in /api/v1/targets (which shows <secret>, as Prometheus does), not in the log; and
--scrape-basic-auth-file / --scrape-bearer-token-file authenticate without a URL secret.
Usage: credentials-in-urls.py VIGIL"""
import base64
import json
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _probe import Daemon, Target, check, finish, get  # noqa: E402

vigil = sys.argv[1]
SECRET = "s3cret-Pa55"
seen = []


def answer(handler):
    seen.append(handler.headers.get("Authorization") or "")
    return 200, [("Content-Type", "text/plain; version=0.0.4")], b"app_up 1\n"


target = Target(answer)
url = f"http://probe:{SECRET}@127.0.0.1:{target.port}/metrics"


def first_scrape(daemon):
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        status, body = get(daemon.url + "/api/v1/targets")
        if status == 200 and json.loads(body)["data"] and json.loads(body)["data"][0]["health"] != "unknown":
            return json.loads(body)["data"][0]
        time.sleep(0.2)
    return {}


daemon = Daemon(vigil, "--scrape", url, "--interval", "1s")
health = first_scrape(daemon)
_, metrics = get(daemon.url + "/metrics")
_, targets = get(daemon.url + "/api/v1/targets")
daemon.stop()
basic = "Basic " + base64.b64encode(f"probe:{SECRET}".encode()).decode()
check(health.get("health") == "up" and basic in seen, "the URL's user info authenticates the scrape (basic auth)")
check(SECRET not in metrics, "no label of /metrics carries the password")
check(f'instance="127.0.0.1:{target.port}"' in metrics, "instance is host:port, without user info")
check(SECRET not in targets and health.get("url") == f"http://probe:<secret>@127.0.0.1:{target.port}/metrics", f"/api/v1/targets shows the URL as {health.get('url')}")
check(SECRET not in daemon.output(), "the log never names the password")

directory = tempfile.mkdtemp(prefix="vigil-credentials-")
basic_file = os.path.join(directory, "basic")
with open(basic_file, "w") as file:
    file.write(f"probe:{SECRET}\n")
token_file = os.path.join(directory, "token")
with open(token_file, "w") as file:
    file.write("tok-123\n")
seen.clear()
daemon = Daemon(vigil, "--scrape", f"http://127.0.0.1:{target.port}/metrics", "--interval", "1s", "--scrape-basic-auth-file", basic_file)
check(first_scrape(daemon).get("health") == "up" and basic in seen, "--scrape-basic-auth-file authenticates the scrape")
daemon.stop()
check(SECRET not in daemon.output(), "and the log never names that password either")
seen.clear()
daemon = Daemon(vigil, "--scrape", f"http://127.0.0.1:{target.port}/metrics", "--interval", "1s", "--scrape-bearer-token-file", token_file)
check(first_scrape(daemon).get("health") == "up" and "Bearer tok-123" in seen, "--scrape-bearer-token-file sends the token")
daemon.stop()
target.stop()
finish()
