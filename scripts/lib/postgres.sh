# Starts a throwaway PostgreSQL server from the machine's binaries (not the system service):
# a new cluster in a temporary folder, trust auth on 127.0.0.1, stopped and deleted on exit.
# Sets PG_URL. initdb refuses to run as root, so the cluster belongs to the postgres user.

start_postgres() {
    local bin port
    bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
    PG_DIR=$(mktemp -d /tmp/gatehouse-pg.XXXXXX)
    chmod 755 "$PG_DIR"
    port=${PG_PORT:-55432}
    while (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
    local as_pg=()
    if [[ $(id -u) -eq 0 ]]; then
        chown postgres "$PG_DIR"
        install -d -o postgres "$PG_DIR/data" "$PG_DIR/sock"
        as_pg=(runuser -u postgres --)
    else
        mkdir -p "$PG_DIR/data" "$PG_DIR/sock"
    fi
    "${as_pg[@]}" "$bin/initdb" -D "$PG_DIR/data" -U postgres --auth=trust --no-sync >/dev/null
    "${as_pg[@]}" "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w \
        -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$PG_DIR/sock -c fsync=off -c max_connections=300" \
        start >/dev/null
    PG_STOP=("${as_pg[@]}" "$bin/pg_ctl" -D "$PG_DIR/data" -m immediate stop)
    trap stop_postgres EXIT
    PG_URL="postgres://postgres@127.0.0.1:$port/postgres"
    echo "postgres: running on port $port ($PG_DIR)" >&2
}

stop_postgres() {
    "${PG_STOP[@]}" >/dev/null 2>&1 || true
    rm -rf "$PG_DIR"
}
