#!/usr/bin/env python3
"""Probe: sizes, durations and detector settings out of range are refused with where and why, at start
and on reload (SIGHUP, POST /-/reload); the running daemon keeps its configuration and lives.
Usage: bad-numbers.py VIGIL"""
import tempfile
import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _probe import Daemon, check, finish, post, run  # noqa: E402

vigil = sys.argv[1]

for flag, value, message in [
    ("--interval", "99999999999999999999y", "--interval: expected a duration like 15s or 1m, at most 100y"),
    ("--checkpoint-interval", "9999999999999y", "--checkpoint-interval: expected a duration like 5m, at most 100y"),
    ("--body-size-limit", "9999999999TB", "--body-size-limit: expected a size like 10MB, at most 1EB"),
    ("--sample-limit", "-5", "--sample-limit: expected a count of samples"),
]:
    status, _, stderr, _ = run([vigil, "run", "--scrape", "http://127.0.0.1:1/metrics", f"{flag}={value}", "--listen", "127.0.0.1:0"], timeout=20)
    check(status == 1 and message in stderr, f"vigil run {flag} {value}: exit 1, {message!r}")

status, _, stderr, _ = run([vigil, "detect", "--set", "seasonalBins=1e300", "/dev/null", "-"], timeout=20)
check(status != 0 and "seasonalBins" in stderr and "Fatal error" not in stderr, "vigil detect --set seasonalBins=1e300: refused, no trap")

good = "scrape_configs:\n  - job_name: a\n    static_configs: [{targets: ['127.0.0.1:1']}]\n"
bad = good + "    body_size_limit: 9999999999TB\n"
# POST /-/reload is off unless --web.enable-lifecycle, which needs authentication: a bearer token.
token_file = tempfile.NamedTemporaryFile("w", suffix=".token", delete=False)
token_file.write("probe-token\n")
token_file.close()
daemon = Daemon(vigil, "--web.enable-lifecycle", "--web.bearer-token-file", token_file.name, config=good,
                token="probe-token")
check(daemon.wait_healthy(), "a daemon with a valid configuration starts")
with open(os.path.join(daemon.directory, "vigil.yaml"), "w") as file:
    file.write(bad)
status, body = post(daemon.url + "/-/reload", token="probe-token")
check(status == 500 and "vigil.yaml:4:22: scrape_configs[0].body_size_limit" in body, "POST /-/reload of body_size_limit: 9999999999TB answers 500 (as Prometheus) with file:line:col")
daemon.process.send_signal(signal.SIGHUP)
time.sleep(1)
check(daemon.process.poll() is None, "SIGHUP with that file leaves the daemon running")
check("body_size_limit" in daemon.output(), "the refused reload is logged with the field")
check(daemon.stop() is not None, "the daemon stops on SIGTERM")
finish()
