#!/usr/bin/env python3
# Usage: scripts/hostile/slowloris.py BASE_URL [CONNECTIONS] [WAIT_SECONDS]
#   e.g. scripts/hostile/slowloris.py http://127.0.0.1:9464 500 30
#
# A slowloris probe against a running vigil: opens CONNECTIONS (default 500) connections that each send
# half a request head, and one that sends nothing, then checks that
#   1. /healthz still answers (200 or 401: an answer, not a hang) while they are open, within WAIT_SECONDS;
#   2. the server closes every one of them within WAIT_SECONDS (default 30; vigil's default
#      --web.read-header-timeout is 10s, so give it more than that).
# Exits 0 when both hold, 1 otherwise, 2 on bad usage. Python 3 standard library only; plain HTTP only
# (an https:// base is refused: the probe does not speak TLS).
import socket
import sys
import time
import urllib.error
import urllib.parse
import urllib.request


def usage(message):
    print(f"slowloris.py: {message}", file=sys.stderr)
    print("usage: slowloris.py BASE_URL [CONNECTIONS] [WAIT_SECONDS]", file=sys.stderr)
    sys.exit(2)


def open_half_sent(host, port, payload):
    connection = socket.create_connection((host, port), timeout=5)
    if payload:
        connection.sendall(payload)
    connection.setblocking(False)
    return connection


def is_closed(connection):
    """True once the server has closed (EOF or reset); False while it is still open."""
    try:
        data = connection.recv(65536)
    except BlockingIOError:
        return False
    except (ConnectionResetError, BrokenPipeError):
        return True
    # Bytes (an error answer such as 408 or 400) are fine; the close that follows is what counts.
    return data == b""


def health_answers(base, deadline):
    """Whether GET /healthz gets any HTTP answer before the deadline (401 counts: the server answered)."""
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=max(1, deadline - time.monotonic())) as answer:
                return answer.status
        except urllib.error.HTTPError as error:
            return error.code
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    return None


def main():
    if len(sys.argv) < 2 or len(sys.argv) > 4:
        usage("expected a base URL")
    base = sys.argv[1].rstrip("/")
    parsed = urllib.parse.urlsplit(base)
    if parsed.scheme != "http" or not parsed.hostname:
        usage(f"expected an http:// base URL, got {sys.argv[1]!r}")
    try:
        count = int(sys.argv[2]) if len(sys.argv) > 2 else 500
        wait = float(sys.argv[3]) if len(sys.argv) > 3 else 30.0
    except ValueError:
        usage("CONNECTIONS and WAIT_SECONDS are numbers")
    if count < 1 or wait <= 0:
        usage("CONNECTIONS must be at least 1 and WAIT_SECONDS above 0")
    host, port = parsed.hostname, parsed.port or 80
    half = f"GET /healthz HTTP/1.1\r\nHost: {host}\r\nX-Slow: ".encode()

    connections = []
    refused = 0
    for index in range(count):
        try:
            connections.append(open_half_sent(host, port, b"" if index == 0 else half))
        except OSError:
            # A full backlog refusing more is a defence, not a failure; the checks below decide.
            refused += 1
    print(f"opened {len(connections)} half-sent connections ({refused} refused)")

    failures = []
    status = health_answers(base, time.monotonic() + wait)
    if status is None:
        failures.append(f"/healthz did not answer within {wait:g}s while the connections were open")
    else:
        print(f"/healthz answered {status} while the connections were open")

    deadline = time.monotonic() + wait
    still_open = list(connections)
    while still_open and time.monotonic() < deadline:
        still_open = [c for c in still_open if not is_closed(c)]
        if still_open:
            time.sleep(0.2)
    for connection in connections:
        connection.close()
    if still_open:
        failures.append(f"{len(still_open)} of {len(connections)} half-sent connections still open after {wait:g}s")
    else:
        print(f"the server closed all {len(connections)} half-sent connections")

    status = health_answers(base, time.monotonic() + wait)
    if status is None:
        failures.append("/healthz did not answer after the probe")

    for failure in failures:
        print(f"FAIL: {failure}", file=sys.stderr)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
