#!/usr/bin/env bash
# Parse-throughput comparison, every peer measured in the same run on the same bytes:
#   vigil (release, warm series cache, allocations counted), a plain C byte loop, and Go's
#   expfmt.TextParser (when Debian's golang-go and golang-github-prometheus-common-dev are present).
# Usage: scripts/bench.sh [RUNS]        Prints one JSON line per peer, then a table of ratios.
# The ordo-one/benchmark suite (allocation counts as metrics) runs with: scripts/bench.sh --suite
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" = "--suite" ]; then
    exec swift package --package-path Benchmarks benchmark
fi
runs="${1:-15}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

swift build -c release --product vigil 2>&1 | tail -n 1
vigil=.build/release/vigil
# The allocation counter and the C peer: the system's cc, else the Swift toolchain's clang.
cc="$(command -v cc || command -v clang || true)"
[ -n "$cc" ] || { echo "error: no C compiler (cc, or the Swift toolchain's clang) on PATH" >&2; exit 1; }
"$cc" -O2 -shared -fPIC -o "$work/alloc-counter.so" scripts/alloc-counter.c
"$cc" -O2 -o "$work/byteloop" Benchmarks/peers/byteloop.c
have_go=no
if command -v go >/dev/null && [ -d /usr/share/gocode/src/github.com/prometheus/common ]; then
    (cd Benchmarks/peers/expfmt && GO111MODULE=off GOPATH=/usr/share/gocode go build -o "$work/expfmt-peer" .) && have_go=yes
fi

inputs=("$work/kube-state-metrics.prom" "$work/cadvisor.prom" "$work/histogram.prom" sample-metrics/node_exporter.prom)
$vigil generate kube-state-metrics --samples 105000 > "$work/kube-state-metrics.prom"
$vigil generate cadvisor --samples 100000 > "$work/cadvisor.prom"
$vigil generate histogram --samples 100000 > "$work/histogram.prom"

results="$work/results.jsonl"
for input in "${inputs[@]}"; do
    name="$(basename "$input")"
    LD_PRELOAD="$work/alloc-counter.so" $vigil bench parse "$input" --runs "$runs" --warmup 2 | sed "s/^{/{\"input\":\"$name\",/" | tee -a "$results"
    "$work/byteloop" "$input" "$runs" 2 | sed "s/^{/{\"input\":\"$name\",/" | tee -a "$results"
    if [ "$have_go" = yes ]; then
        "$work/expfmt-peer" "$input" "$runs" 2 | sed "s/^{/{\"input\":\"$name\",/" | tee -a "$results"
    fi
done

python3 - "$results" <<'PY'
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
by_input = {}
for row in rows:
    by_input.setdefault(row["input"], {})[row["peer"]] = row
print()
print(f'{"input":28} {"samples":>8} {"MB":>6} {"vigil ns/sample":>16} {"MB/s":>7} {"allocs/sample":>13} {"C loop":>8} {"vs C":>6} {"Go expfmt":>10} {"Go/vigil":>9}')
for name, peers in by_input.items():
    v = peers["vigil"]; c = peers.get("c-byteloop"); g = peers.get("go-expfmt")
    mb = v["bytes"] / 1e6
    line = f'{name:28} {v["samples"]:>8} {mb:>6.1f} {v["ns_per_sample"]:>16.1f} {v["bytes"] / v["median_ns"] * 1e3:>7.0f} {v["allocs_per_sample"] if v["allocs_per_sample"] is not None else "n/a":>13}'
    line += f' {c["ns_per_sample"]:>8.1f} {v["ns_per_sample"] / c["ns_per_sample"]:>6.2f}' if c else ""
    line += f' {g["ns_per_sample"]:>10.1f} {g["ns_per_sample"] / v["ns_per_sample"]:>9.1f}' if g else ""
    print(line)
PY
