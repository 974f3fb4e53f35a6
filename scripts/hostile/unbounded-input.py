#!/usr/bin/env python3
"""Probe: vigil lint and vigil parse bound what they read: /dev/zero is refused at the 256 MiB input
limit (it was read until the process aborted at 1 GB), in bounded memory.
Usage: unbounded-input.py VIGIL"""
import os
import resource
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _probe import check, finish  # noqa: E402

vigil = sys.argv[1]
for command in ["lint", "parse"]:
    # Each in a child of its own, so RUSAGE_CHILDREN's peak is this command's.
    probe = (
        "import resource, subprocess, sys; "
        "done = subprocess.run(sys.argv[1:], capture_output=True, text=True, timeout=120); "
        "print(done.returncode); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024); "
        "print(done.stderr.strip())"
    )
    output = subprocess.run([sys.executable, "-c", probe, vigil, command, "/dev/zero"], capture_output=True, text=True).stdout
    status, peak, stderr = output.split("\n", 2)
    check(status == "1" and "input larger than 268435456 bytes" in stderr, f"vigil {command} /dev/zero: refused at the 256 MiB limit ({stderr.strip()[:90]!r})")
    check(int(peak) < 600, f"in {peak} MB at peak (bound 600 MB)")
finish()
