#!/usr/bin/env python3
"""Probe: a metric_relabel_configs regex that Go's RE2 refuses (a lookahead, a backreference) is refused
at start with Prometheus's words and the file:line:col; one whose matching could backtrack
exponentially is refused with why.
Usage: relabel-regex.py VIGIL"""
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _probe import check, finish, run  # noqa: E402

vigil = sys.argv[1]
directory = tempfile.mkdtemp(prefix="vigil-regex-")
for regex, message in [
    ("(?=x)y", "error parsing regexp: invalid or unsupported Perl syntax: `(?=`"),
    ("(a)\\\\1", "error parsing regexp: invalid escape sequence: `\\1`"),
    ("a*+", "error parsing regexp: invalid nested repetition operator: `*+`"),
    ("(a+)+$", "Vigil's regex engine backtracks"),
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
finish()
