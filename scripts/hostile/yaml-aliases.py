#!/usr/bin/env python3
"""Probe: a configuration of nested YAML aliases (a "billion laughs") is refused at once, in bounded
memory, and duplicate targets are scraped once.
Usage: yaml-aliases.py VIGIL"""
import os
import resource
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _probe import check, finish, run  # noqa: E402

vigil = sys.argv[1]
directory = tempfile.mkdtemp(prefix="vigil-aliases-")
lines = ["a0: &a0 ['127.0.0.1:1']"]
for level in range(1, 9):
    lines.append(f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * 10) + "]")
bomb = "\n".join(lines) + "\nscrape_configs:\n  - job_name: x\n    static_configs: [{targets: *a8}]\n"
path = os.path.join(directory, "bomb.yaml")
with open(path, "w") as file:
    file.write(bomb)
status, _, stderr, seconds = run([vigil, "run", "--config", path, "--listen", "127.0.0.1:0"], timeout=60)
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
check(status == 1 and "aliases repeat more than 100000 nodes" in stderr, f"a {len(bomb)}-byte alias bomb is refused: {stderr.strip()[:100]!r}")
check(peak < 512, f"in bounded memory: peak {peak} MB (bound 512 MB; it grew past 2 GB)")
check(seconds < 30, f"at once: {seconds:.1f} s")
finish()
