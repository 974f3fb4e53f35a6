#!/usr/bin/env bash
# Replays the hostile-input probes of issue 16 against a real vigil process: bad numbers, YAML aliases,
# series churn, a gzip bomb, credentials in URLs, a hung exec credential plugin, proxy environment
# variables, unbounded lint/parse input, relabel regexes RE2 refuses, a power cut (power-loss.py: the names
# of the state it keeps flushed with their directories, read with strace), and (scripts/hostile/slowloris.py)
# half-sent connections.
# Each probe in scripts/hostile/ is self-contained: it prints what it checked and exits non-zero on a
# failure. Probes that need a running daemon start their own; slowloris.py gets the URL of one started
# here.
# Usage: scripts/hostile-input.sh [VIGIL]     (default: .build/debug/vigil, built when missing)
set -euo pipefail
cd "$(dirname "$0")/.."

vigil="${1:-.build/debug/vigil}"
if [ ! -x "$vigil" ]; then
    swift build --product vigil
fi
vigil="$(cd "$(dirname "$vigil")" && pwd)/$(basename "$vigil")"

work="$(mktemp -d)"
daemon=""
cleanup() {
    if [ -n "$daemon" ]; then kill "$daemon" 2>/dev/null || true; wait "$daemon" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

# A daemon for the probes that take a base URL: no target, loopback, a free port from the kernel.
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
"$vigil" run --listen "127.0.0.1:$port" >"$work/daemon.log" 2>&1 &
daemon=$!
for _ in $(seq 100); do
    if curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; then break; fi
    sleep 0.1
done
base_url="http://127.0.0.1:$port"

failed=()
for probe in scripts/hostile/*; do
    name="$(basename "$probe")"
    case "$name" in
        _*) continue ;;  # helpers the probes import
        slowloris.py) command=(python3 "$probe" "$base_url") ;;
        *.py) command=(python3 "$probe" "$vigil") ;;
        *.sh) command=(bash "$probe" "$vigil") ;;
        *) continue ;;
    esac
    echo "== $name"
    started=$SECONDS
    if "${command[@]}"; then
        echo "   passed in $((SECONDS - started)) s"
    else
        echo "   FAILED in $((SECONDS - started)) s"
        failed+=("$name")
    fi
done

if ! kill -0 "$daemon" 2>/dev/null; then
    echo "the daemon the probes shared died:" >&2
    cat "$work/daemon.log" >&2
    exit 1
fi
if [ ${#failed[@]} -gt 0 ]; then
    echo "hostile-input probes failed: ${failed[*]}" >&2
    exit 1
fi
echo "every hostile-input probe passed"
