#!/usr/bin/env bash
# The directory API's employee list at 10k and 1M people in one account (not part of CI): a
# release Gatehouse on a fresh SQLite store per size (pinned to core 0 when taskset and two cores
# are there), seeded straight into the store by scripts/api_bench.py, then GET
# /api/v1/accounts/bench/employees?limit=100 for the first page and for a deep page (the cursor
# 150 rows from the end), REQUESTS times each on one kept-alive connection. Prints p50/p99 per
# size and page, and the deep/first p99 ratio, which must stay within 1.5.
# Usage: REQUESTS=1000 SIZES="10000 1000000" bash scripts/api-bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
requests=${REQUESTS:-1000}
sizes=${SIZES:-10000 1000000}
cargo build --release --locked --quiet --bin gatehouse
bin=$PWD/target/release/gatehouse
server_cpu=() client_cpu=()
if command -v taskset >/dev/null && (( $(nproc) >= 2 )); then
    server_cpu=(taskset -c 0) client_cpu=(taskset -c 1)
fi
work=$(mktemp -d)
server=
trap '[[ -n $server ]] && kill $server 2>/dev/null; rm -rf "$work"' EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
url="http://127.0.0.1:$port"
results=()
for size in $sizes; do
    rm -f "$work"/g.db*
    export GATEHOUSE_DATABASE_URL="sqlite://$work/g.db" GATEHOUSE_BIND=127.0.0.1:$port \
        GATEHOUSE_PUBLIC_URL=$url RUST_LOG=warn
    "$bin" migrate >/dev/null 2>&1
    "$bin" account create bench --name "Bench" >/dev/null 2>&1
    client=$("$bin" client create "HR bench" --redirect-uri https://hr.example.test/cb 2>/dev/null)
    id=$(sed -n 's/^client_id=//p' <<<"$client")
    secret=$(sed -n 's/^client_secret=//p' <<<"$client")
    account=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(\"SELECT id FROM accounts WHERE slug='bench'\").fetchone()[0])" "$work/g.db")
    started=$(date +%s)
    python3 scripts/api_bench.py seed "$work/g.db" "$account" "$size"
    echo "seeded $size people in $(( $(date +%s) - started )) s" >&2
    deep=$(python3 scripts/api_bench.py deep "$work/g.db" "$account")
    "${server_cpu[@]}" "$bin" serve >"$work/serve.log" 2>&1 &
    server=$!
    for _ in $(seq 1 100); do
        curl -fs "$url/healthz" >/dev/null && break
        sleep 0.2
    done
    token=$(curl -fs -u "$id:$secret" -d grant_type=client_credentials -d scope=directory.read \
        "$url/oauth/token" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
    list=/api/v1/accounts/bench/employees?limit=100
    read -r first50 first99 < <("${client_cpu[@]}" python3 scripts/api_bench.py measure "$url" "$token" "$list" "$requests")
    read -r deep50 deep99 < <("${client_cpu[@]}" python3 scripts/api_bench.py measure "$url" "$token" "$list&after=$deep" "$requests")
    kill $server
    wait $server 2>/dev/null || true
    server=
    results+=("$size $first50 $first99 $deep50 $deep99")
done
printf '\n%-10s %-24s %-24s %s\n' people "first page p50/p99 ms" "deep page p50/p99 ms" "deep/first p99"
status=0
for row in "${results[@]}"; do
    read -r size f50 f99 d50 d99 <<<"$row"
    ratio=$(python3 -c "print(f'{$d99 / $f99:.2f}')")
    printf '%-10s %-24s %-24s %s\n' "$size" "$f50 / $f99" "$d50 / $d99" "$ratio"
    python3 -c "import sys; sys.exit(0 if $d99 <= 1.5 * $f99 else 1)" || status=1
done
(( status == 0 )) || echo "the deep page's p99 is more than 1.5 times the first page's" >&2
exit $status
