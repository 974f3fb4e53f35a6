#!/usr/bin/env python3
"""Probe: an exec credential plugin that hangs with TERM/INT/HUP blocked (and a child of its own) is
killed with its whole process group at the 30 s timeout, and vigil says so on stderr; nothing of it is
left running.
Usage: hung-exec-plugin.py VIGIL"""
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _probe import check, finish, run  # noqa: E402

vigil = sys.argv[1]
directory = tempfile.mkdtemp(prefix="vigil-exec-")
pids = os.path.join(directory, "pids")
plugin = os.path.join(directory, "hung-plugin")
with open(plugin, "w") as file:
    file.write(f"#!/bin/sh\ntrap '' TERM INT HUP\nsleep 600 &\necho $$ $! > {pids}\nwait\n")
os.chmod(plugin, 0o755)
kubeconfig = os.path.join(directory, "kubeconfig")
with open(kubeconfig, "w") as file:
    file.write(f"""apiVersion: v1
kind: Config
current-context: probe
clusters: [{{name: probe, cluster: {{server: "https://127.0.0.1:1"}}}}]
contexts: [{{name: probe, context: {{cluster: probe, user: probe}}}}]
users:
  - name: probe
    user:
      exec: {{apiVersion: client.authentication.k8s.io/v1, command: {plugin}, interactiveMode: Never}}
""")
status, _, stderr, seconds = run([vigil, "kube", "events", "--kubeconfig", kubeconfig, "-n", "probe"], timeout=90)
check(status != 0, f"vigil kube events fails (status {status}) after {seconds:.0f} s")
check("killed its process group" in stderr, f"and says the plugin's group was killed: {stderr.strip().splitlines()[:1]}")
alive = []
for pid in open(pids).read().split():
    try:
        with open(f"/proc/{pid}/stat") as stat:
            if stat.read().rsplit(")", 1)[1].split()[0] != "Z":
                alive.append(pid)
    except FileNotFoundError:
        pass
check(not alive, f"neither the plugin nor its child runs on (left: {alive or 'none'})")
finish()
