#!/usr/bin/env python3
"""Probe: a power cut loses no name of what Vigil keeps. A file's own fsync does not make the directory
entry that names it durable (fsync(2)); so every name the daemon makes for its state is flushed with its
directory before the state is trusted: each directory of a new state_dir as mkdir makes it, the audit log
(before any record is written to it), and the checkpoint's rename; and what a checkpoint write that a
kill cut short left is removed by the next daemon on the directory. Read from the system calls of a real
`vigil run` under strace (a new state_dir two levels deep, a kubeconfig so that remediation opens its
audit log; the API server it names need not answer).
Usage: power-loss.py VIGIL"""
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _probe import Daemon, check, finish, free_port, get  # noqa: E402

vigil = sys.argv[1]
rules = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "rules")
directory = tempfile.mkdtemp(prefix="vigil-power-")
state = os.path.join(directory, "state", "new")
kubeconfig = os.path.join(directory, "kubeconfig")
with open(kubeconfig, "w") as file:
    file.write("""apiVersion: v1
kind: Config
current-context: probe
clusters: [{name: probe, cluster: {server: "https://127.0.0.1:1"}}]
contexts: [{name: probe, context: {cluster: probe, user: probe}}]
users: [{name: probe, user: {token: probe}}]
""")
trace = os.path.join(directory, "trace")
# Where ptrace is refused (Yama's ptrace_scope 3, a sandbox), say so, not a stream of failures.
if subprocess.run(["strace", "-o", os.devnull, "true"], capture_output=True).returncode != 0:
    check(False, "strace can trace a process here (ptrace permitted)")
    finish()
port = free_port()
children = []
try:
    with open(os.path.join(directory, "vigil.log"), "w") as log:
        process = subprocess.Popen(
            ["strace", "-f", "-qq", "-o", trace, "-e",
             "trace=mkdir,mkdirat,openat,fsync,write,rename,renameat,renameat2",
             vigil, "run", "--listen", f"127.0.0.1:{port}", "--kubeconfig", kubeconfig, "--rules", rules,
             "--state-dir", state],
            stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while (time.monotonic() < deadline and process.poll() is None
               and get(f"http://127.0.0.1:{port}/healthz", 1)[0] != 200):
            time.sleep(0.2)
        check(process.poll() is None, "vigil run under strace starts")
        # The daemon itself is stopped (strace's child), and writes its checkpoint as it stops.
        with open(f"/proc/{process.pid}/task/{process.pid}/children") as file:
            children = [int(child) for child in file.read().split()]
        for child in children:
            os.kill(child, signal.SIGTERM)
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            check(False, "vigil stops within a minute of SIGTERM")
finally:
    # Killing strace would leave its tracee running, holding the port and the state_dir.
    for child in children:
        try:
            os.kill(child, signal.SIGKILL)
        except ProcessLookupError:
            pass

# One call a line with its thread (`-f` pads the id), a call another thread interrupted joined to its end
# (`fsync(3 <unfinished ...>` … `<... fsync resumed>) = 0`).
calls, pending = [], {}
for line in open(trace):
    numbered = re.match(r"(\d+)\s+(.*)", line.strip())
    if not numbered:
        continue
    thread, rest = numbered.groups()
    if rest.endswith("<unfinished ...>"):
        pending[thread] = rest[: -len("<unfinished ...>")].rstrip()
        continue
    resumed = re.match(r"<\.\.\. \w+ resumed>(.*)", rest)
    if resumed:
        rest = pending.pop(thread, "") + resumed.group(1)
    calls.append((thread, rest))


def opened(index, path, directory_only):
    """The descriptor an openat of `path` at `index` returned, or None."""
    flags = "O_DIRECTORY" if directory_only else "O_CREAT"
    found = re.match(r'openat\(AT_FDCWD, "([^"]*)", ([A-Z_|]+)(?:, \d+)?\) += (\d+)', calls[index][1])
    if found and found.group(1) == path and flags in found.group(2):
        return found.group(3)
    return None


def flushed_after(start, path, before=None):
    """Whether the thread of call `start` next opens `path` as a directory and fsyncs it (other threads'
    calls may come between), before any call of its own that `before` names."""
    thread = calls[start][0]
    mine = [(index, call) for index, (other, call) in enumerate(calls) if other == thread and index > start]
    for position, (index, call) in enumerate(mine):
        if before and before(call) and opened(index, path, directory_only=True) is None:
            return False
        descriptor = opened(index, path, directory_only=True)
        if descriptor:
            following = mine[position + 1: position + 2]
            return bool(following) and re.match(rf"fsync\({descriptor}\) += 0", following[0][1]) is not None
    return False


made = [(index, found.group(1)) for index, (_, call) in enumerate(calls)
        for found in [re.match(r'mkdir(?:at)?\((?:AT_FDCWD, )?"([^"]*)", \w+\) += 0', call)] if found]
check([path for _, path in made] == [os.path.join(directory, "state"), state],
      f"the state_dir's two new directories are made: {[path for _, path in made]}")
for index, path in made:
    check(flushed_after(index, os.path.dirname(path)), f"{path}'s name is flushed with {os.path.dirname(path)}")

audit = os.path.join(state, "audit.jsonl")
opens = [(index, opened(index, audit, directory_only=False)) for index in range(len(calls))]
opens = [(index, descriptor) for index, descriptor in opens if descriptor]
check(len(opens) == 1, f"the audit log is opened once, made by that open: {len(opens)}")
for index, descriptor in opens[:1]:
    # Before anything is written to it, and before the daemon opens anything else: the log is trusted
    # from its open on (a first record can follow at once).
    check(flushed_after(index, state, before=lambda call: call.startswith(f"write({descriptor},")
                        or call.startswith("openat(")),
          "its name is flushed with the state_dir as it is opened, before anything is written to it")

checkpoint = os.path.join(state, "detectors.checkpoint")
renames = [index for index, (_, call) in enumerate(calls)
           if re.match(r'rename(at2?)?\(.*"' + re.escape(checkpoint) + r'"', call) and call.endswith("= 0")]
check(len(renames) == 1, f"the checkpoint is written once, at the stop, by a rename: {len(renames)}")
for index in renames[:1]:
    check(flushed_after(index, state), "the rename is flushed with the state_dir")
# A write a kill cut short leaves its temporary file; the next daemon on the directory removes it.
leftover = os.path.join(state, "detectors.checkpoint.99999.tmp")
open(leftover, "w").close()
daemon = Daemon(vigil, "--state-dir", state)
check(daemon.wait_healthy(), "vigil run starts again on the state_dir")
daemon.stop()
check(not os.path.exists(leftover), "what a cut-short checkpoint write left is removed")
check("removed what cut-short checkpoint writes left" in daemon.output(), "and the log says so")
shutil.rmtree(directory, ignore_errors=True)
finish()
