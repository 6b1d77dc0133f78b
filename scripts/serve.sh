#!/usr/bin/env bash
# Sets up a fresh Debian machine and starts Gatehouse on the embedded SQLite store
# (./gatehouse.db unless GATEHOUSE_DATABASE_URL says otherwise), on http://127.0.0.1:8080.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-debian.sh
cargo build --release --locked
exec ./target/release/gatehouse serve
