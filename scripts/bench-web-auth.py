#!/usr/bin/env python3
# Usage: scripts/bench-web-auth.py [VIGIL_BINARY] [REQUESTS]
#   e.g. scripts/bench-web-auth.py .build/release/vigil 2000
#
# What basic authentication costs a request, against peers in the same run: two vigils on loopback,
# one open and one with a web configuration file holding one user (bcrypt cost 10), each asked
# REQUESTS (default 2000) times for /healthz over one kept-alive connection:
#   open          no authentication configured (the peer)
#   cached        right password: one bcrypt, then the cache of successes
#   no-header     no credentials: 401 without bcrypt
#   wrong (x20)   wrong password, 20 requests only: one bcrypt each (cost 10)
#   unknown (x20) unknown user, 20 requests only: one bcrypt each, against the dummy hash
# and, as the bcrypt peer, libxcrypt's crypt() at cost 10 called from Python (Python <= 3.12).
# Prints microseconds per request and the ratio to the open peer. Python 3 stdlib only.
import base64
import http.client
import os
import subprocess
import sys
import tempfile
import time
import warnings

# bcrypt of "s3cret" at cost 10.
HASH = "$2b$10$f92D9isM0ffsBqr77zDk2ud1uCO2xe3sxRXlYhfpSWvT//3tFutsW"


def start(binary, port, extra, directory):
    # Started in an empty directory: no ./rules, so no diagnosis work beside the requests.
    process = subprocess.Popen(
        [binary, "run", "--listen", f"127.0.0.1:{port}"] + extra,
        cwd=directory,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    for line in process.stderr:
        if "serving HTTP" in line:
            return process
    raise SystemExit(f"vigil did not start: {process.wait()}")


def per_request(port, count, headers):
    connection = http.client.HTTPConnection("127.0.0.1", port)
    statuses = set()
    started = time.perf_counter()
    for _ in range(count):
        connection.request("GET", "/healthz", headers=headers)
        answer = connection.getresponse()
        answer.read()
        statuses.add(answer.status)
    elapsed = time.perf_counter() - started
    connection.close()
    return elapsed / count * 1e6, sorted(statuses)


def main():
    binary = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".build/debug/vigil")
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
    directory = tempfile.mkdtemp(prefix="vigil-bench-auth-")
    config = os.path.join(directory, "web.yml")
    with open(config, "w") as file:
        file.write(f"basic_auth_users:\n  alice: {HASH}\n")
    basic = lambda user, password: {
        "Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
    }
    open_server = start(binary, 29461, [], directory)
    guarded = start(binary, 29462, ["--web.config.file", config], directory)
    try:
        # Warm both (and fill the cache of successes).
        per_request(29461, 50, {})
        per_request(29462, 50, basic("alice", "s3cret"))
        rows = [
            ("open", per_request(29461, count, {})),
            ("cached", per_request(29462, count, basic("alice", "s3cret"))),
            ("no-header", per_request(29462, count, {})),
            ("wrong (x20)", per_request(29462, 20, basic("alice", "guess"))),
            ("unknown (x20)", per_request(29462, 20, basic("mallory", "guess"))),
        ]
    finally:
        open_server.kill()
        guarded.kill()
    peer = rows[0][1][0]
    print(f"{'case':<14} {'us/request':>11} {'vs open':>8}  statuses")
    for name, (micros, statuses) in rows:
        print(f"{name:<14} {micros:>11.1f} {micros / peer:>7.2f}x  {statuses}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            import crypt
        started = time.perf_counter()
        for _ in range(20):
            crypt.crypt("guess", HASH)
        print(f"{'crypt() peer':<14} {(time.perf_counter() - started) / 20 * 1e6:>11.1f}  (libxcrypt, cost 10)")
    except ImportError:
        print("crypt() peer: Python's crypt module is gone (3.13+)")


if __name__ == "__main__":
    main()
