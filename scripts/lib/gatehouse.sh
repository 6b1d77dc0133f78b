# A throwaway Gatehouse for scripts that test it from outside. Source it, then:
#   gatehouse_env        a fresh SQLite store in $work, a free port; exports GATEHOUSE_* and $port
#   gatehouse_start      `gatehouse serve` in the background (log: $work/serve.log), waits for
#                        /healthz; stopped and $work removed when the script exits

gatehouse_env() {
    work=$(mktemp -d)
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    export GATEHOUSE_DATABASE_URL="sqlite://$work/gatehouse.db" GATEHOUSE_BIND="127.0.0.1:$port" \
        GATEHOUSE_PUBLIC_URL="http://127.0.0.1:$port" RUST_LOG=warn
}

gatehouse_start() {
    ./target/debug/gatehouse serve >"$work/serve.log" 2>&1 &
    gatehouse_pid=$!
    trap 'kill $gatehouse_pid 2>/dev/null || true; rm -rf "$work"' EXIT
    for _ in $(seq 1 50); do
        python3 -c "import urllib.request as u; u.urlopen('http://127.0.0.1:$port/healthz', timeout=1)" 2>/dev/null && return 0
        sleep 0.2
    done
    echo "gatehouse did not answer /healthz; its log:" >&2
    cat "$work/serve.log" >&2
    return 1
}
