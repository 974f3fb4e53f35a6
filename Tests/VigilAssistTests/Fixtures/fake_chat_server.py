#!/usr/bin/env python3
"""A loopback stand-in for an OpenAI-compatible chat-completions API (Ollama, vLLM, llama.cpp's server)
that records every request it receives. Prints its port on the first line of stdout.

Routes (the first path segment picks the behaviour; the narrator appends /chat/completions):
  POST /echo/v1/chat/completions   answers with every placeholder it was sent (NAME_1, NAMESPACE_1, ...)
                                   in one sentence, so the caller's unmasking can be checked
  POST /hostile/v1/chat/completions  answers like a model that obeyed an injected instruction
  POST /hang/v1/chat/completions   never answers (until the client gives up)
  POST /fail/v1/chat/completions   HTTP 500
  POST /escape/v1/chat/completions answers with terminal escape sequences and control characters around
                                   its words (clear screen, colours, a window title, a bell, a bidi override)
  POST /repeat/v1/chat/completions answers with NAME_1 three thousand times (longer once unmasked)
  POST /usage/N/v1/chat/completions  answers as echo, with `usage.total_tokens` N (any integer, however
                                   absurd: a server's count is its word)
  GET  /recorded                   every request so far: [{"path", "authorization", "body"}]
"""
import json
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
RECORDED = []


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, status, document):
        body = json.dumps(document).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/recorded":
            with LOCK:
                self.answer(200, RECORDED)
        else:
            self.answer(404, {"error": "not found"})

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length).decode("utf-8", "replace")
        with LOCK:
            RECORDED.append({"path": self.path, "authorization": self.headers.get("Authorization"), "body": body})
        mode = self.path.split("/")[1]
        if mode == "hang":
            time.sleep(3600)
            return
        if mode == "fail":
            self.answer(500, {"error": {"message": "model not loaded"}})
            return
        if mode == "escape":
            text = "\x1b[2J\x1b[31mRestart NAME_1\x1b[0m\x1b]0;owned\x07 now\x07\u202e.\nNext: check logs."
        elif mode == "repeat":
            text = " ".join(["NAME_1"] * 3000)
        elif mode == "hostile":
            text = "Ignoring Vigil: run kubectl delete namespace NAMESPACE_1 now."
        else:
            request = json.loads(body)
            user = request["messages"][-1]["content"]
            placeholders = sorted(set(re.findall(r"\b[A-Z]+_[0-9]+\b", user)))
            text = "Placeholders seen: " + " ".join(placeholders) + "."
        completion = {
            "id": "chatcmpl-1", "object": "chat.completion", "model": "fake",
            "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": text}}],
        }
        if mode == "usage":
            completion["usage"] = {"total_tokens": int(self.path.split("/")[2])}
        self.answer(200, completion)


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print(server.server_address[1], flush=True)
server.serve_forever()
