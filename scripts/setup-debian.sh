#!/usr/bin/env bash
# Installs the Debian packages Gatehouse needs to build (and, with --test, to run its tests).
# Only what is missing is installed; apt's lists are refreshed only when something is.
set -euo pipefail

packages=(pkg-config libssl-dev libpq-dev libclang-dev libxml2-dev libxmlsec1-dev)
if [[ "${1:-}" == "--test" ]]; then
    packages+=(postgresql python3-venv chromium openssl)
    # Node may come from elsewhere than Debian (the machine image has NodeSource's, with npm
    # inside); only a machine with none gets Debian's.
    command -v node >/dev/null || packages+=(nodejs)
    command -v npm >/dev/null || packages+=(npm)
fi

missing=()
for package in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$package")
    fi
done

if ((${#missing[@]})); then
    echo "setup: installing ${missing[*]}" >&2
    sudo=""
    if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v cargo >/dev/null; then
    echo "setup: cargo is not installed; install Rust (rustup, stable) and run this again" >&2
    exit 1
fi
