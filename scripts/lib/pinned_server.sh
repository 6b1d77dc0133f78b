# A release Gatehouse for the sign-in benchmarks, on SQLite at $work/g.db, one worker pinned to
# core 0 (the load goes on core 1). Needs $work, $port and $public. Source it, then:
#   pinned_server BINARY   starts `BINARY serve` in the background as $server, waits for /healthz
pinned_server() {
    GATEHOUSE_DATABASE_URL="sqlite://$work/g.db" GATEHOUSE_BIND=127.0.0.1:$port GATEHOUSE_PUBLIC_URL=$public \
        GATEHOUSE_WORKERS=1 RUST_LOG=warn taskset -c 0 "$1" serve &
    server=$!
    for _ in $(seq 1 50); do
        curl -fs "$public/healthz" >/dev/null && return 0
        sleep 0.2
    done
    echo "$1 did not answer /healthz" >&2
    return 1
}
