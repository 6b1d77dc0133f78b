#!/usr/bin/env bash
# OpenID Connect token endpoint cost beside the ACS (not part of CI). One run, side by side:
#  1. a release Gatehouse pinned to core 0 (one worker) on a fresh SQLite store, and wrk pinned
#     to core 1 posting to /oauth/token (client_secret_basic) N distinct authorization codes once
#     each (grant_type=authorization_code: client check, one-time code, grant, access token,
#     RS256 ID token), then N distinct refresh tokens once each (grant_type=refresh_token:
#     rotation, a new access and refresh token, an ID token);
#  2. scripts/acs-bench.sh with ACS_N responses on the same cores: signed-in SAML responses/s.
# Prints code exchanges/s, refreshes/s, the ACS rate and the ratios. Needs wrk and taskset.
# Usage: N=3000 ACS_N=3000 bash scripts/token-bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
n=${N:-3000}
acs_n=${ACS_N:-$n}
command -v wrk >/dev/null || { echo "install wrk (apt-get install wrk)" >&2; exit 1; }
(( $(nproc) >= 2 )) || { echo "needs two cores: the server on one, wrk on the other" >&2; exit 1; }
cargo build --release --locked --quiet --example token_load_setup --example acs_load_setup \
    --bin gatehouse
work=$(mktemp -d)
server=
trap '[[ -n $server ]] && kill $server 2>/dev/null; rm -rf "$work"' EXIT
port=18310
public="http://127.0.0.1:$port"
./target/release/examples/token_load_setup "sqlite://$work/g.db" "$n" "$work"
GATEHOUSE_DATABASE_URL="sqlite://$work/g.db" GATEHOUSE_BIND=127.0.0.1:$port GATEHOUSE_PUBLIC_URL=$public \
    GATEHOUSE_WORKERS=1 RUST_LOG=warn taskset -c 0 ./target/release/gatehouse serve &
server=$!
for _ in $(seq 1 50); do
    curl -fs "$public/healthz" >/dev/null && break
    sleep 0.2
done
# wrk runs for the whole -d (its stop() ends the posting, not its clock; -d allows 200/s): the
# rates come from the store, first to last access token of each phase (setup left none: every
# one is a 200 answer of this run).
for phase in codes refreshes; do
    BODIES="$work/$phase" AUTHORIZATION=$(cat "$work/authorization") taskset -c 1 \
        wrk -t1 -c8 -d"$(( n / 200 + 10 ))s" -s scripts/token-bench.lua "$public" >/dev/null
done
rss=$(ps -o rss= -p "$server" | tr -d ' ')
kill $server
wait $server 2>/dev/null || true
server=
read -r codes refreshes < <(python3 - "$work/g.db" "$n" <<'PY'
import sqlite3, sys
from datetime import datetime
db, n = sqlite3.connect(sys.argv[1]), int(sys.argv[2])
rates = []
for scope, what in (("openid", "code exchanges"), ("openid offline_access", "refreshes")):
    rows = db.execute(
        "SELECT t.created_at FROM oidc_tokens t JOIN oidc_grants g ON g.id = t.grant_id "
        "WHERE t.kind = 'access' AND g.scope = ? ORDER BY t.created_at", (scope,)).fetchall()
    if len(rows) < n:
        sys.exit(f"expected {n} {what}, the store has {len(rows)} access tokens")
    print(f"{len(rows)} of {n} {what} answered 200", file=sys.stderr)
    times = [datetime.fromisoformat(r[0]) for r in rows]
    rates.append(f"{(len(times) - 1) / (times[-1] - times[0]).total_seconds():.0f}")
revoked = db.execute("SELECT count(*) FROM oidc_grants WHERE revoked_at IS NOT NULL").fetchone()[0]
if revoked:
    sys.exit(f"{revoked} grants were revoked: a code or refresh token was posted twice")
print(*rates)
PY
)
acs_out=$(N=$acs_n bash scripts/acs-bench.sh)
acs=$(sed -n 's/^gatehouse ACS over HTTP: *\([0-9.]*\) .*/\1/p' <<<"$acs_out")
[[ -n $acs ]] || { echo "no ACS rate in acs-bench's output:" >&2; echo "$acs_out" >&2; exit 1; }
echo "$acs_out"
echo
echo "token requests:           $n codes and $n refresh tokens, distinct, each posted once"
echo "code exchanges over HTTP: $codes/s (one core; RSS after both phases: ${rss} KiB)"
echo "refreshes over HTTP:      $refreshes/s (same core, same server)"
echo "ACS over HTTP:            $acs/s (same cores, $acs_n responses, acs-bench.sh above)"
python3 -c "print(f'token endpoint $codes/s and $refreshes/s beside ACS $acs/s on one core: ' \
    f'{$codes / $acs:.2f}x and {$refreshes / $acs:.2f}x the ACS rate')"
