#!/usr/bin/env python3
"""A loopback HTTP server for VigilHTTP's tests. Prints its port on the first line of stdout.
With `--tls CERT KEY` it serves HTTPS with that certificate; with `--client-ca CA` after that, it also
requires a client certificate signed by CA (mutual TLS).

Routes:
  /plain                     a small text body
  /gzip                      a compressible body, gzip-encoded when the client accepts it
  /bomb                      51 KB of gzip that inflates to 50 MiB
  /slow?seconds=S            answers after S seconds
  /peak                      the most /slow requests ever in flight at once
  /echo                      echoes method, Authorization, Content-Type, Host, User-Agent and body as JSON
  /stream?lines=N&delay=S    N lines, one every S seconds, chunked
  /status?code=C             an empty answer with status C
"""
import gzip
import threading
import json
import sys
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BODY = ("node_load1 0.5\n" * 2000).encode()
GZIPPED = gzip.compress(BODY)
BOMB = gzip.compress(b"a" * (50 << 20), compresslevel=9)
LOCK = threading.Lock()
IN_FLIGHT = 0
PEAK = 0


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, status, body=b"", headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def handle_any(self):
        url = urllib.parse.urlparse(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        length = int(self.headers.get("Content-Length") or 0)
        payload = self.rfile.read(length) if length else b""
        if url.path == "/plain":
            self.send(200, b"hello\n", [("Content-Type", "text/plain; version=0.0.4")])
        elif url.path == "/gzip":
            if "gzip" in (self.headers.get("Accept-Encoding") or ""):
                self.send(200, GZIPPED, [("Content-Encoding", "gzip")])
            else:
                self.send(200, BODY)
        elif url.path == "/bomb":
            self.send(200, BOMB, [("Content-Encoding", "gzip")])
        elif url.path == "/slow":
            global IN_FLIGHT, PEAK
            with LOCK:
                IN_FLIGHT += 1
                PEAK = max(PEAK, IN_FLIGHT)
            time.sleep(float(query.get("seconds", "1")))
            with LOCK:
                IN_FLIGHT -= 1
            self.send(200, b"late\n")
        elif url.path == "/peak":
            self.send(200, str(PEAK).encode())
        elif url.path == "/echo":
            answer = {
                "method": self.command,
                "authorization": self.headers.get("Authorization"),
                "content_type": self.headers.get("Content-Type"),
                "host": self.headers.get("Host"),
                "user_agent": self.headers.get("User-Agent"),
                "body": payload.decode(),
            }
            self.send(200, json.dumps(answer).encode(), [("Content-Type", "application/json")])
        elif url.path == "/stream":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for index in range(int(query.get("lines", "3"))):
                line = f"line {index}\n".encode()
                self.wfile.write(b"%x\r\n%s\r\n" % (len(line), line))
                self.wfile.flush()
                time.sleep(float(query.get("delay", "0.05")))
            self.wfile.write(b"0\r\n\r\n")
        elif url.path == "/status":
            self.send(int(query.get("code", "500")))
        else:
            self.send(404, b"not found\n")

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = handle_any


class Server(ThreadingHTTPServer):
    # The default listen backlog of 5 would make concurrent connections wait for SYN retries.
    request_queue_size = 128


server = Server(("127.0.0.1", 0), Handler)
if len(sys.argv) >= 4 and sys.argv[1] == "--tls":
    import ssl

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(sys.argv[2], sys.argv[3])
    if len(sys.argv) == 6 and sys.argv[4] == "--client-ca":
        context.verify_mode = ssl.CERT_REQUIRED
        context.load_verify_locations(sys.argv[5])
    server.socket = context.wrap_socket(server.socket, server_side=True)
server.daemon_threads = True
print(server.server_address[1], flush=True)
server.serve_forever()
