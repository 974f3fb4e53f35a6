#!/usr/bin/env bash
# Fails early, with a useful message, when Swift (or, with --kubectl, kubectl 1.32+) is missing.
set -euo pipefail
if ! command -v swift >/dev/null 2>&1; then
    echo "error: swift not found on PATH. Install Swift 6.2 or newer (https://www.swift.org/install/linux/)," >&2
    echo "       e.g. unpack the toolchain to /opt/swift and add /opt/swift/usr/bin to PATH." >&2
    exit 1
fi
# 6.2: the sources use its `nonisolated(nonsending)`, and the dependencies' manifests its tools version.
if ! said=$(swift --version 2>&1); then
    echo "error: 'swift --version' failed (a broken toolchain, or a library it needs is missing):" >&2
    printf '%s\n' "$said" >&2
    exit 1
fi
version=$(printf '%s\n' "$said" | sed -n 's/.*Swift version \([0-9][0-9]*\)\.\([0-9][0-9]*\).*/\1 \2/p' | head -n 1 || true)
if [ -z "$version" ]; then
    echo "error: cannot read the Swift version from: $said" >&2
    exit 1
fi
read -r major minor <<<"$version"
if [ "$major" -lt 6 ] || { [ "$major" -eq 6 ] && [ "$minor" -lt 2 ]; }; then
    echo "error: Swift 6.2 or newer is needed (found ${major}.${minor}): https://www.swift.org/install/linux/" >&2
    exit 1
fi
# With --kubectl (the test script): the Kubernetes tests compare Vigil's requests with the real
# kubectl's, whose wire format is 1.32's.
[ "${1:-}" = "--kubectl" ] || exit 0
if ! command -v kubectl >/dev/null 2>&1; then
    echo "error: kubectl not found on PATH. The tests need kubectl 1.32 (the wire format Vigil matches):" >&2
    echo "       https://kubernetes.io/docs/tasks/tools/install-kubectl-linux/ (Debian's kubernetes-client is 1.20)." >&2
    exit 1
fi
minor=$(kubectl version --client -o json 2>/dev/null | sed -n 's/.*"minor": *"\([0-9]*\).*/\1/p' | head -n 1)
if [ "${minor:-0}" -lt 32 ]; then
    echo "error: kubectl 1.32 or newer is needed (found minor version ${minor:-unknown})." >&2
    exit 1
fi
