#!/usr/bin/env python3
"""Probe: a configuration of nested YAML aliases (a "billion laughs") is refused at once, in bounded
memory, and so is one that repeats thousands of keys, each named at its line without quoting the file.
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

# Every key written twice: each repetition is named (found in one pass over the mapping, not one a key),
# and the file itself, a secret in it, is never quoted.
count = 20000
repeated = "\n".join(f"k{i}: 1" for i in range(count)) + "\nsecret: hunter2\n" + "\n".join(f"k{i}: 2" for i in range(count)) + "\n"
path = os.path.join(directory, "repeated.yaml")
with open(path, "w") as file:
    file.write(repeated)
status, _, stderr, seconds = run([vigil, "run", "--config", path, "--check-config"], timeout=60)
named = f'{path}:{count + 2}:1: key "k0" already set in this mapping (first at line 1)'
check(status == 1 and named in stderr and stderr.count("already set") == count, f"{count} repeated keys are each named at their line: {stderr.strip()[:100]!r}")
check("hunter2" not in stderr, "the file is never quoted in the error")
check(seconds < 30, f"at once: {seconds:.1f} s")
finish()
