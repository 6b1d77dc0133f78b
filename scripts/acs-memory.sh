#!/usr/bin/env bash
# Server memory over many sign-ins (not part of CI): RSS of a release Gatehouse on SQLite when
# idle, then after every STEP of N distinct valid responses (each a real sign-in), so a leak
# shows as a rising line. GATEHOUSE=path runs another server binary. Needs wrk.
# Usage: N=100000 STEP=20000 bash scripts/acs-memory.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/pinned_server.sh
n=${N:-100000}
step=${STEP:-20000}
gatehouse=${GATEHOUSE:-./target/release/gatehouse}
command -v wrk >/dev/null || { echo "install wrk (apt-get install wrk)" >&2; exit 1; }
cargo build --release --locked --quiet --example acs_load_setup --bin gatehouse
work=$(mktemp -d)
server=
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
port=18310
public="http://127.0.0.1:$port"
./target/release/examples/acs_load_setup "sqlite://$work/g.db" "$public" "$n" "$work/responses" >/dev/null
split -l "$step" -d -a 3 "$work/responses" "$work/part"
pinned_server "$gatehouse"
rss() { ps -o rss= -p "$server" | tr -d ' '; }
sleep 2
echo "idle:                 $(rss) KiB"
done_count=0
for part in "$work"/part*; do
    lines=$(wc -l < "$part")
    RESPONSES="$part" taskset -c 1 wrk -t1 -c8 -d"$(( lines / 400 + 5 ))s" -s scripts/acs-bench.lua \
        "$public" >/dev/null
    done_count=$(( done_count + lines ))
    signed=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(\"SELECT count(*) FROM login_journal WHERE outcome = 'success'\").fetchone()[0])" "$work/g.db")
    printf 'after %7d posted (%7d signed in): %s KiB\n' "$done_count" "$signed" "$(rss)"
done
