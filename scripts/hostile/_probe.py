"""Shared helpers of the hostile-input probes (imported, not run: the runner skips it by name)."""
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def check(condition, what):
    """Prints the check and records a failure (the probe's exit status says whether any failed)."""
    print(f"   {'ok  ' if condition else 'FAIL'} {what}", flush=True)
    if not condition:
        check.failed = True
    return condition


check.failed = False


def finish():
    sys.exit(1 if check.failed else 0)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(arguments, timeout=60, **options):
    """Runs a command to its end: (status, stdout, stderr, seconds)."""
    started = time.monotonic()
    done = subprocess.run(arguments, capture_output=True, text=True, timeout=timeout, **options)
    return done.returncode, done.stdout, done.stderr, time.monotonic() - started


def get(url, timeout=10, token=None):
    request = urllib.request.Request(url)
    if token is not None:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
    except OSError as error:
        return 0, str(error)


def post(url, timeout=10, token=None):
    request = urllib.request.Request(url, data=b"", method="POST")
    if token is not None:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
    except OSError as error:
        return 0, str(error)


def metric(text, name):
    """The value of the first sample named exactly `name` (with or without labels) in an exposition."""
    for line in text.splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            return float(line.rsplit(" ", 1)[1])
    return None


class Daemon:
    """`vigil run` on a free loopback port with the given arguments, stopped (SIGTERM, then SIGKILL)
    when the probe is done with it."""

    def __init__(self, vigil, *arguments, config=None, token=None, env=None):
        self.token = token
        self.directory = tempfile.mkdtemp(prefix="vigil-probe-")
        self.port = free_port()
        command = [vigil, "run", "--listen", f"127.0.0.1:{self.port}"]
        if config is not None:
            path = os.path.join(self.directory, "vigil.yaml")
            with open(path, "w") as file:
                file.write(config)
            command += ["--config", path]
        self.log_path = os.path.join(self.directory, "vigil.log")
        self.log = open(self.log_path, "w")
        self.process = subprocess.Popen(command + list(arguments), stdout=self.log, stderr=subprocess.STDOUT, env=env)
        self.url = f"http://127.0.0.1:{self.port}"

    def wait_healthy(self, seconds=20, path="/healthz"):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            if get(self.url + path, timeout=1, token=self.token)[0] == 200:
                return True
            time.sleep(0.1)
        return False

    def wait_ready(self, seconds=60):
        """/readyz answers 200: learnt state restored (a large checkpoint takes seconds on a loaded machine)."""
        return self.wait_healthy(seconds, path="/readyz")

    def output(self):
        self.log.flush()
        with open(self.log_path) as file:
            return file.read()

    def stop(self, seconds=30):
        """SIGTERM; the seconds the stop took (None if it had to be killed)."""
        if self.process.poll() is not None:
            return 0.0
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(seconds)
            return time.monotonic() - started
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            return None


class Target:
    """A loopback HTTP server answering every GET with `respond(handler)` (a status, headers and body),
    on a thread of this process."""

    def __init__(self, respond):
        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                status, headers, body = respond(self)
                self.send_response(status)
                for name, value in headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    self.wfile.write(body)
                except OSError:
                    pass

        class Server(ThreadingHTTPServer):
            def handle_error(self, request, client_address):
                pass  # a client (vigil stopping mid-scrape) hanging up is no failure of the probe

        self.server = Server(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
