#!/usr/bin/env bash
# Fails early, with a useful message, when Swift is missing.
set -euo pipefail
if ! command -v swift >/dev/null 2>&1; then
    echo "error: swift not found on PATH. Install Swift 6.1 or newer (https://www.swift.org/install/linux/)," >&2
    echo "       e.g. unpack the toolchain to /opt/swift and add /opt/swift/usr/bin to PATH." >&2
    exit 1
fi
