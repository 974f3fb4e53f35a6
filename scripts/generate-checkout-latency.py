#!/usr/bin/env python3
"""Writes sample-metrics/checkout-p99-latency.csv: the demo's recorded series, ten days of a checkout
service's p99 latency in seconds at 5-minute steps, from a fixed seed (the same bytes on every run).

The model: a daily cycle (lowest at 02:00, highest at 14:00, as shoppers come and go), Gaussian noise,
and one bad rollout — on day 8 at 14:00 the latency doubles for 90 minutes, then the rollback restores
it. `vigil detect` raises exactly one alarm on it, at 14:00 on day 8 (pinned by
Tests/VigilCLITests/DetectAndEvalTests.swift and shown by scripts/demo.sh).

Usage: scripts/generate-checkout-latency.py [--out FILE]     (default: the bundled file)
       scripts/generate-checkout-latency.py --check          (exit 1 if the bundled file differs)
"""
import argparse
import datetime
import math
import os
import random
import sys

SEED = 20261101
START = datetime.datetime(2026, 11, 1)
STEP = datetime.timedelta(minutes=5)
DAYS = 10
MEAN = 0.12  # seconds, the day's average p99
AMPLITUDE = 0.058  # half the swing between 02:00 and 14:00
PEAK_HOUR = 14
NOISE = 0.0065
REGRESSION_START = datetime.datetime(2026, 11, 8, 14, 0)
REGRESSION_LENGTH = datetime.timedelta(minutes=90)
REGRESSION_FACTOR = 2.1

BUNDLED = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "sample-metrics", "checkout-p99-latency.csv")


def generate():
    rng = random.Random(SEED)
    lines = ["timestamp,value"]
    for step in range(DAYS * 24 * 12):
        time = START + step * STEP
        hour = time.hour + time.minute / 60
        value = MEAN + AMPLITUDE * math.cos(2 * math.pi * (hour - PEAK_HOUR) / 24) + rng.gauss(0, NOISE)
        if REGRESSION_START <= time < REGRESSION_START + REGRESSION_LENGTH:
            value *= REGRESSION_FACTOR
        lines.append(f"{time:%Y-%m-%d %H:%M:%S},{max(value, 0.001):.4f}")
    return ("\n".join(lines) + "\n").encode()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=BUNDLED, help="where to write (default: the bundled file)")
    parser.add_argument("--check", action="store_true", help="compare with the bundled file instead of writing")
    arguments = parser.parse_args()
    data = generate()
    if arguments.check:
        with open(BUNDLED, "rb") as bundled:
            if bundled.read() != data:
                print(f"{os.path.relpath(BUNDLED)} differs from what {sys.argv[0]} writes", file=sys.stderr)
                return 1
        print(f"{os.path.relpath(BUNDLED)}: matches its generator ({len(data)} bytes)")
        return 0
    with open(arguments.out, "wb") as out:
        out.write(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
