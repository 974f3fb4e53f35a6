#!/usr/bin/env python3
"""Probe: a gzip bomb (2 MB on the wire inflating to 2 GiB) cannot hold a scrape past its timeout nor
count as a success: with the default decoded-body cap it fails at the cap, with no cap at the 1 s
timeout — decoding included.
Usage: gzip-bomb.py VIGIL"""
import json
import os
import sys
import time
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _probe import Daemon, Target, check, finish, get  # noqa: E402

vigil = sys.argv[1]
MiB = 1 << 20
zeros = b"0" * MiB
# A gzip stream of identical segments: after a full flush the compressor starts afresh, so each
# further MiB of input compresses to the same bytes, and the bomb is built without compressing 2 GiB.
compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
head = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
segment = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
count = 2048
crc = 0
for _ in range(count):
    crc = zlib.crc32(zeros, crc)
tail = compressor.flush(zlib.Z_FINISH)[:-8] + crc.to_bytes(4, "little") + ((count * MiB) & 0xFFFFFFFF).to_bytes(4, "little")
bomb = head + segment * (count - 1) + tail
print(f"   a bomb of {len(bomb)} bytes inflating to {count} MiB", flush=True)
target = Target(lambda _: (200, [("Content-Encoding", "gzip"), ("Content-Type", "text/plain")], bomb))


def scrape_once(interval, *flags):
    daemon = Daemon(vigil, "--scrape", f"http://127.0.0.1:{target.port}/metrics", "--interval", interval, *flags)
    health = {}
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        status, body = get(daemon.url + "/api/v1/targets")
        if status == 200:
            targets = json.loads(body)["data"]
            if targets and targets[0]["health"] != "unknown":
                health = targets[0]
                break
        time.sleep(0.2)
    daemon.stop()
    return health


# A 10 s timeout: the default cap (256 MiB decoded) must stop the bomb first, even in a debug build.
capped = scrape_once("10s")
check(capped.get("health") == "down" and "body size limit exceeded" in capped.get("lastError", ""), f"default cap: the scrape fails: {capped.get('lastError')!r}")
check(capped.get("lastScrapeDuration", 99) < 10, f"before the 10 s timeout: {capped.get('lastScrapeDuration')} s")
uncapped = scrape_once("1s", "--body-size-limit", "0")
check(uncapped.get("health") == "down" and "context deadline exceeded" in uncapped.get("lastError", ""), f"no cap: the timeout stops the decoding: {uncapped.get('lastError')!r}")
check(uncapped.get("lastScrapeDuration", 99) < 1.5, f"within the 1 s timeout: {uncapped.get('lastScrapeDuration')} s (it took 8 s)")
target.stop()
finish()
