#!/usr/bin/env bash
# End-to-end sign-in cost against bare samael (not part of CI). One run, side by side:
#  1. a release Gatehouse pinned to core 0 (one worker) on SQLite, and wrk pinned to core 1
#     posting N distinct valid Entra-shaped responses (assertion signed, RSA-SHA256, IdP-initiated)
#     once each: every one a real sign-in (guards, samael, one-time state, journal, session);
#  2. bare samael 0.0.22 as published (benches/bare-samael, not the patched copy Gatehouse
#     builds with) parse+verify of the same responses in process, pinned to core 0.
# Prints both rates and the ratio. PREFILL=100000 first fills the store with that many journal
# lines, replay entries and sessions. Needs wrk and taskset.
# GATEHOUSE=path runs another gatehouse binary (an earlier build, to compare side by side).
# Usage: N=6000 PREFILL=0 bash scripts/acs-bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
n=${N:-6000}
prefill=${PREFILL:-0}
gatehouse=${GATEHOUSE:-./target/release/gatehouse}
command -v wrk >/dev/null || { echo "install wrk (apt-get install wrk)" >&2; exit 1; }
(( $(nproc) >= 2 )) || { echo "needs two cores: the server on one, wrk on the other" >&2; exit 1; }
cargo build --release --locked --quiet --example acs_load_setup --bin gatehouse
cargo build --release --locked --quiet --manifest-path benches/bare-samael/Cargo.toml \
    --target-dir target/bare-samael
work=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
port=18300
public="http://127.0.0.1:$port"
./target/release/examples/acs_load_setup "sqlite://$work/g.db" "$public" "$n" "$work/responses" "$prefill"
GATEHOUSE_DATABASE_URL="sqlite://$work/g.db" GATEHOUSE_BIND=127.0.0.1:$port GATEHOUSE_PUBLIC_URL=$public \
    GATEHOUSE_WORKERS=1 RUST_LOG=warn taskset -c 0 "$gatehouse" serve &
server=$!
for _ in $(seq 1 50); do
    curl -fs "$public/healthz" >/dev/null && break
    sleep 0.2
done
# wrk's stop() ends the posting but not its clock: the rate comes from the journal, first to last
# sign-in of this run (the prefill's rows carry other assertion ids).
RESPONSES="$work/responses" taskset -c 1 wrk -t1 -c8 -d"$(( n / 200 + 10 ))s" -s scripts/acs-bench.lua "$public" >/dev/null
served=$(python3 - "$work/g.db" "$n" <<'PY'
import sqlite3, sys
from datetime import datetime
rows = sqlite3.connect(sys.argv[1]).execute(
    "SELECT at FROM login_journal WHERE outcome = 'success' AND (assertion_id IS NULL OR assertion_id NOT LIKE '_prefill%') ORDER BY at").fetchall()
if len(rows) < 0.99 * int(sys.argv[2]):
    sys.exit(f"expected {sys.argv[2]} sign-ins, the journal has {len(rows)}")
print(f"{len(rows)} of {sys.argv[2]} responses signed in", file=sys.stderr)
times = [datetime.fromisoformat(r[0]) for r in rows]
print(f"{(len(times) - 1) / (times[-1] - times[0]).total_seconds():.0f}")
PY
)
rss=$(ps -o rss= -p "$server" | tr -d ' ')
kill $server
bare=$(taskset -c 0 ./target/bare-samael/release/bare-samael "$work/responses" "$public")
echo "responses:                $n distinct, each posted once (store prefilled with $prefill rows per table)"
echo "gatehouse ACS over HTTP:  $served signed-in responses/s (one core; RSS after: ${rss} KiB)"
echo "bare samael in process:   $bare responses/s (same core, same responses)"
python3 -c "print(f'ratio gatehouse / bare samael: {float(\"$served\") / float(\"$bare\"):.2f}x')"
