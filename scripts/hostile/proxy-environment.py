#!/usr/bin/env python3
"""Probe: the proxy environment variables are read as Prometheus and client-go read them, not as
libcurl would. A scrape goes through no proxy whatever the environment says (Prometheus's
proxy_from_environment is off by default); a Kubernetes request takes HTTP_PROXY (upper case too) for a
remote server, never for loopback, and a kubeconfig's proxy-url whatever NO_PROXY says.
Usage: proxy-environment.py VIGIL"""
import json
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _probe import Daemon, Target, check, finish, free_port, get, run  # noqa: E402

vigil = sys.argv[1]
EVENTS = json.dumps({"kind": "EventList", "apiVersion": "v1", "metadata": {"resourceVersion": "7"}, "items": []}).encode()
seen = []


def answer(handler):
    """Answers as a proxy and as an API server alike, and records the request target: absolute-form
    (http://host/...) when it came as a proxy's request, origin-form (/...) when it came direct."""
    seen.append(handler.path)
    if "/events" in handler.path:
        return 200, [("Content-Type", "application/json")], EVENTS
    return 200, [("Content-Type", "text/plain; version=0.0.4")], b"proxied_scrape 1\n"


recorder = Target(answer)
proxy = f"http://127.0.0.1:{recorder.port}"
quiet = {k: v for k, v in os.environ.items() if k.lower() not in ("http_proxy", "https_proxy", "all_proxy", "no_proxy")}

# Scrapes: every proxy variable set, to the recorder; one loopback target and one whose name does not resolve.
target = Target(lambda _: (200, [("Content-Type", "text/plain; version=0.0.4")], b"direct_scrape 1\n"))
everything = dict(quiet, **{name: proxy for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "ALL_PROXY", "all_proxy")})
daemon = Daemon(vigil, config=f"""scrape_configs:
  - job_name: proxied
    scrape_interval: 1s
    static_configs: [{{targets: ['127.0.0.1:{target.port}', 'vigil-probe.invalid:9100']}}]
""", env=everything)
health = {}
try:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        status, body = get(daemon.url + "/api/v1/targets")
        if status == 200:
            health = {t["labels"]["instance"]: t for t in json.loads(body)["data"]}
            if len(health) == 2 and all(t["health"] != "unknown" for t in health.values()):
                break
        time.sleep(0.2)
finally:
    daemon.stop()
loopback = health.get(f"127.0.0.1:{target.port}", {})
remote = health.get("vigil-probe.invalid:9100", {})
check(loopback.get("health") == "up", f"the loopback target is scraped direct: {loopback.get('health')} {loopback.get('lastError')!r}")
check(remote.get("health") == "down", f"the unresolvable target is tried direct and fails: {remote.get('lastError')!r}")
check(seen == [], f"no scrape reached the proxy of http_proxy, HTTPS_PROXY and ALL_PROXY: {seen}")

directory = tempfile.mkdtemp(prefix="vigil-proxy-")


def kubeconfig(name, cluster):
    path = os.path.join(directory, name)
    with open(path, "w") as file:
        file.write(f"""apiVersion: v1
kind: Config
clusters: [{{name: c, cluster: {cluster}}}]
contexts: [{{name: c, context: {{cluster: c, user: u, namespace: default}}}}]
users: [{{name: u, user: {{}}}}]
current-context: c
""")
    return path


def events(config, env):
    seen.clear()
    status, out, err, _ = run([vigil, "kube", "events", "--kubeconfig", config], timeout=60, env=env)
    return status, err.strip()[-300:], list(seen)


remote_server = kubeconfig("remote", "{server: 'http://apiserver.invalid:6443'}")
status, err, requests = events(remote_server, dict(quiet, HTTP_PROXY=proxy))
check(status == 0 and len(requests) > 0 and requests[0].startswith("http://apiserver.invalid:6443/api/v1/namespaces/default/events"),
      f"HTTP_PROXY (upper case, as client-go reads it) carries a remote server's request: exit {status}, {requests} {err!r}")

through = kubeconfig("through", f"{{server: 'http://apiserver.invalid:6443', proxy-url: '{proxy}'}}")
status, err, requests = events(through, dict(quiet, NO_PROXY="apiserver.invalid,.invalid", no_proxy="apiserver.invalid"))
check(status == 0 and len(requests) > 0 and requests[0].startswith("http://apiserver.invalid:6443/"),
      f"the kubeconfig's proxy-url carries it whatever NO_PROXY says: exit {status}, {requests} {err!r}")

dead = f"http://127.0.0.1:{free_port()}"
local = kubeconfig("local", f"{{server: 'http://127.0.0.1:{recorder.port}'}}")
status, err, requests = events(local, dict(quiet, http_proxy=dead, HTTP_PROXY=dead, ALL_PROXY=dead))
check(status == 0 and len(requests) > 0 and requests[0].startswith("/api/v1/namespaces/default/events"),
      f"a loopback server is reached direct, never through the environment's proxy: exit {status}, {requests} {err!r}")

target.stop()
recorder.stop()
finish()
