#!/usr/bin/env bash
# SCIM load benchmark (not part of CI): an Entra-shaped mix and a userName-filter-only run
# against a release build on SQLite, with 10k and with 1M employees. Needs wrk (Debian: wrk).
# Usage: bash scripts/scim-load.sh [SECONDS] [CONNECTIONS]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
connections=${2:-16}
command -v wrk >/dev/null || { echo "install wrk (apt-get install wrk)" >&2; exit 1; }
cargo build --release --locked --quiet --example scim_seed --bin gatehouse
for seeded in 10000 1000000; do
    work=$(mktemp -d)
    url="sqlite://$work/gatehouse.db"
    start=$(date +%s)
    token=$(./target/release/examples/scim_seed "$url" "$seeded")
    echo "== $seeded employees (seeded in $(( $(date +%s) - start )) s)"
    GATEHOUSE_DATABASE_URL=$url GATEHOUSE_BIND=127.0.0.1:18090 RUST_LOG=warn ./target/release/gatehouse serve &
    server=$!
    sleep 1
    for mode in mix filter; do
        echo "-- $mode"
        SCIM_TOKEN=$token SEEDED=$seeded SCIM_MODE=$mode \
            wrk -t2 -c"$connections" -d"${seconds}s" --latency -s scripts/scim-load.lua http://127.0.0.1:18090 \
            | grep -E "Requests/sec|Latency  |50%|90%|99%|Non-2xx|requests in"
    done
    kill "$server"; wait "$server" 2>/dev/null || true
    rm -rf "$work"
done
