#!/usr/bin/env bash
# End-to-end sign-in cost against bare samael (not part of CI). Side by side, in each round:
#  1. a release Gatehouse pinned to core 0 (one worker) on SQLite, and wrk pinned to core 1
#     posting N distinct valid Entra-shaped responses (assertion signed, RSA-SHA256, IdP-initiated)
#     once each: every one a real sign-in (guards, samael, one-time state, journal, session);
#  2. bare samael 0.0.22 as published (benches/bare-samael, not the patched copy Gatehouse
#     builds with) parse+verify of the same responses in process, pinned to core 0, right
#     before and right after each Gatehouse run (the mean of the two is the yardstick).
#  3. the same sign-ins without HTTP (examples/acs_inprocess: acs::consume in one thread on a
#     fresh store with fresh responses, pinned to core 0), to tell the server's own cost apart.
# Prints the rates and the ratios for each of ROUNDS rounds (a fresh store and fresh responses
# each), then the medians: on a shared machine a single run of either side can be a fifth off.
# PREFILL=100000 first fills the store with that many journal lines, replay entries and
# sessions. Needs wrk and taskset.
# GATEHOUSE="old/gatehouse ./target/release/gatehouse" runs each of several server binaries in
# every round (an earlier build beside this one), each against the same bare samael run; each
# binary's store is made by the acs_load_setup in examples/ beside it, if there is one.
# Usage: N=6000 PREFILL=0 ROUNDS=3 bash scripts/acs-bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/pinned_server.sh
n=${N:-6000}
prefill=${PREFILL:-0}
rounds=${ROUNDS:-3}
read -r -a servers <<< "${GATEHOUSE:-./target/release/gatehouse}"
command -v wrk >/dev/null || { echo "install wrk (apt-get install wrk)" >&2; exit 1; }
(( $(nproc) >= 2 )) || { echo "needs two cores: the server on one, wrk on the other" >&2; exit 1; }
cargo build --release --locked --quiet --example acs_load_setup --example scim_seed \
    --example acs_inprocess --bin gatehouse
cargo build --release --locked --quiet --manifest-path benches/bare-samael/Cargo.toml \
    --target-dir target/bare-samael
work=$(mktemp -d)
results=$(mktemp)
server=
trap 'kill $server 2>/dev/null || true; rm -rf "$work" "$results"' EXIT
port=18300
public="http://127.0.0.1:$port"

prepare() {  # $1: the server binary; a fresh store with N new responses in $work
    rm -rf "${work:?}"/*
    # The store has the schema of the binary that will serve it: an older build refuses a newer
    # schema, so its own acs_load_setup (examples/ beside it, as cargo lays them out) makes it.
    local setup
    setup="$(dirname "$1")/examples/acs_load_setup"
    [ -x "$setup" ] || setup=./target/release/examples/acs_load_setup
    "$setup" "sqlite://$work/g.db" "$public" "$n" "$work/responses" "$prefill" >/dev/null
}

serve() {  # $1: the server binary; prints "signed-in/s RSS-KiB"
    pinned_server "$1"
    # wrk's stop() ends the posting but not its clock: the rate comes from the journal, first to
    # last sign-in of this run (the prefill's rows carry other assertion ids).
    RESPONSES="$work/responses" taskset -c 1 wrk -t1 -c8 -d"$(( n / 300 + 5 ))s" \
        -s scripts/acs-bench.lua "$public" >/dev/null
    local rate rss
    rate=$(python3 scripts/acs-bench-rate.py "$work/g.db" "$n")
    rss=$(ps -o rss= -p "$server" | tr -d ' ')
    kill "$server"
    wait "$server" 2>/dev/null || true
    server=
    echo "$rate $rss"
}

# Bare samael over the responses just prepared. It runs right before and right after each
# Gatehouse run and the two rates are averaged: on a shared machine the speed of the core drifts
# from one minute to the next, and one yardstick run per round skewed the ratios both ways.
bare_samael() {
    taskset -c 0 ./target/bare-samael/release/bare-samael "$work/responses" "$public"
}
mean() { python3 -c "print(round(($1 + $2) / 2))"; }

echo "responses: $n distinct, each posted once (store prefilled with $prefill rows per table)"
for round in $(seq 1 "$rounds"); do
    for s in "${!servers[@]}"; do
        prepare "${servers[$s]}"
        before=$(bare_samael)
        serve "${servers[$s]}" > "$results.round"
        read -r rate rss < "$results.round"
        rm -f "$results.round"
        bare=$(mean "$before" "$(bare_samael)")
        echo "$s $rate $bare" >> "$results"
        python3 -c "print(f'round $round: ${servers[$s]}: {$rate}/s (RSS after: $rss KiB), bare samael $bare/s, ratio {$rate / $bare:.2f}x')"
    done
    prepare ./target/release/gatehouse
    before=$(bare_samael)
    inprocess=$(taskset -c 0 ./target/release/examples/acs_inprocess "sqlite://$work/g.db" \
        "$public" "$work/responses")
    bare=$(mean "$before" "$(bare_samael)")
    echo "in $inprocess $bare" >> "$results"
    python3 -c "print(f'round $round: in process, no HTTP ($PWD/target/release): $inprocess/s, bare samael $bare/s, ratio {$inprocess / $bare:.2f}x')"
done
python3 - "$results" "${servers[@]}" <<'PY'
import statistics, sys
lines = [line.split() for line in open(sys.argv[1]) if line.strip()]
rows = [r for r in lines if r[0] != "in"]
inprocess = [(float(g), float(b)) for _, g, b in (r for r in lines if r[0] == "in")]
for s, name in enumerate(sys.argv[2:]):
    mine = [(float(g), float(b)) for i, g, b in rows if int(i) == s]
    g = statistics.median(r[0] for r in mine)
    b = statistics.median(r[1] for r in mine)
    q = statistics.median(r[0] / r[1] for r in mine)
    print(f"{name}: gatehouse ACS over HTTP {g:.0f} signed-in responses/s, bare samael {b:.0f}/s "
          f"(medians of {len(mine)} rounds); ratio gatehouse / bare samael: {q:.2f}x (median)")
q = statistics.median(g / b for g, b in inprocess)
print(f"in process, no HTTP (this build): {statistics.median(g for g, _ in inprocess):.0f}/s; "
      f"ratio to bare samael: {q:.2f}x (median)")
PY
