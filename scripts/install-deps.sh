#!/usr/bin/env bash
# Installs the Debian packages Vigil's build and tests need, idempotently.
# Usage: scripts/install-deps.sh [extra-package ...]
set -euo pipefail

# libcurl for VigilHTTP; libcrypt (libxcrypt) for bcrypt in VigilServer; curl for the demo and benchmark scripts; python3 and openssl for the tests (a
# fixture server, a test certificate);
# prometheus-node-exporter, a real scrape target, prometheus, which scrapes Vigil in the integration
# tests, and prometheus-alertmanager, which delivers webhooks to it (apt starts none of them: the tests
# start their own on loopback ports); strace, through which a probe reads the daemon's system calls
# (scripts/hostile/power-loss.py).
packages=(libcurl4-openssl-dev libcrypt-dev pkg-config curl python3 openssl prometheus-node-exporter prometheus
    prometheus-alertmanager strace "$@")

missing=()
for package in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$package")
    fi
done
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then sudo=(); else sudo=(sudo); fi
echo "installing: ${missing[*]}" >&2
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
