#!/usr/bin/env bash
# Scaling figure (not part of CI): ACS throughput of one instance pinned to one core, then of
# two instances pinned to one core each, both on the same PostgreSQL, the load split over them.
# Prints both rates and their ratio. Needs wrk and taskset (util-linux).
# Each response is posted once (the replay cache refuses repeats): RESPONSES (default 24000)
# must cover a quarter per run. Usage: bash scripts/acs-scaling.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-8}
command -v wrk >/dev/null || { echo "install wrk (apt-get install wrk)" >&2; exit 1; }
cores=$(nproc)
cargo build --release --locked --quiet --example acs_load_setup --bin gatehouse
source scripts/lib/postgres.sh
PG_PORT=56500 start_postgres
work=$(mktemp -d)
servers=()
cleanup() { kill "${servers[@]}" 2>/dev/null || true; rm -rf "$work"; stop_postgres; }
trap cleanup EXIT
public="http://127.0.0.1:18200"   # what both instances believe they are (one name behind a balancer)
export GATEHOUSE_DATABASE_URL="$PG_URL" GATEHOUSE_PUBLIC_URL="$public" GATEHOUSE_WORKERS=1 RUST_LOG=warn
./target/release/examples/acs_load_setup "$PG_URL" "$public" "${RESPONSES:-24000}" "$work/responses"
split -n l/4 "$work/responses" "$work/part."
parts=("$work"/part.*)

start() {  # $1: core, $2: port
    GATEHOUSE_BIND="127.0.0.1:$2" taskset -c "$1" ./target/release/gatehouse serve &
    servers+=($!)
    for _ in $(seq 1 50); do
        curl -fs "http://127.0.0.1:$2/healthz" >/dev/null && return 0
        sleep 0.2
    done
    echo "instance on port $2 did not start" >&2
    return 1
}
load() {  # $1: port, $2: responses file; prints requests/s
    RESPONSES="$2" THREADS=1 wrk -t1 -c8 -d"${seconds}s" -s scripts/acs-post.lua "http://127.0.0.1:$1" \
        | awk '/Requests\/sec/ {print $2} /Non-2xx/ {print "non-2xx: " $NF > "/dev/stderr"}'
}

start 0 18201
one=$(load 18201 "${parts[0]}")
echo "one instance (core 0):            $one signed-in responses/s"
start $(( cores > 1 ? 1 : 0 )) 18202
load 18201 "${parts[1]}" >"$work/a" &
first=$!
load 18202 "${parts[2]}" >"$work/b"
wait "$first"
a=$(cat "$work/a"); b=$(cat "$work/b")
echo "two instances (cores 0 and 1):    $a + $b signed-in responses/s"
python3 -c "print(f'scaling (two / one): {(float(\"$a\") + float(\"$b\")) / float(\"$one\"):.2f}x on {$cores} cores, with PostgreSQL and wrk on the same cores')"
