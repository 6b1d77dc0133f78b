#!/usr/bin/env bash
# Login isolation benchmark (not part of CI): ACS throughput alone, then the same ACS load while
# wrk floods /login with wrong passwords (per-IP limit lifted so every attempt reaches argon2).
# Prints both rates and their ratio. Needs wrk. Usage: bash scripts/login-flood.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
command -v wrk >/dev/null || { echo "install wrk (apt-get install wrk)" >&2; exit 1; }
cargo build --release --locked --quiet --example acs_load_setup --bin gatehouse
work=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
port=18095
public="http://127.0.0.1:$port"
# Enough distinct responses for each third to outlast its run at up to 2,500 sign-ins/s: a
# response posted twice is refused as a replay, which is cheaper and would inflate the rate.
./target/release/examples/acs_load_setup "sqlite://$work/g.db" "$public" "$(( 3 * seconds * 2500 ))" \
    "$work/responses"
GATEHOUSE_DATABASE_URL="sqlite://$work/g.db" GATEHOUSE_BIND=127.0.0.1:$port GATEHOUSE_PUBLIC_URL=$public \
    GATEHOUSE_LOGIN_RATE_PER_MINUTE=1000000 RUST_LOG=warn ./target/release/gatehouse serve &
server=$!
sleep 1
acs() {  # $1: which third of the responses (0, 1 or 2)
    split -n "l/$(( $1 + 1 ))/3" "$work/responses" > "$work/part$1"
    RESPONSES="$work/part$1" THREADS=1 wrk -t1 -c4 -d"${seconds}s" -s scripts/acs-post.lua "$public" \
        | awk '/Requests\/sec/ {print $2} /Non-2xx/ {print "non-2xx: " $NF > "/dev/stderr"}'
}
before=$(acs 0)
echo "ACS alone (before):    $before signed-in responses/s"
wrk -t1 -c32 -d"$(( seconds + 4 ))s" -s scripts/login-flood.lua "$public" > "$work/flood" &
flood=$!
sleep 2
loaded=$(acs 1)
wait $flood
echo "ACS under login flood: $loaded signed-in responses/s"
after=$(acs 2)
echo "ACS alone (after):     $after signed-in responses/s"
grep -E "Requests/sec|Non-2xx" "$work/flood" | sed 's/^/login flood: /'
# The store grows during the run: compare with the mean of the runs before and after.
python3 -c "print(f'ratio (under flood / alone): {2 * float(\"$loaded\") / (float(\"$before\") + float(\"$after\")):.2f}')"
