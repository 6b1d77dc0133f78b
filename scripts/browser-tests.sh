#!/usr/bin/env bash
# The admin console in a real browser: Debian's chromium driven by npm playwright-core, against
# a real Gatehouse on a fresh SQLite store. Screenshots of every page land in
# target/screenshots (or $SCREENSHOTS).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup-debian.sh --test
(cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)

cargo build --locked --quiet --bin gatehouse --example saml_response
bin=$PWD/target/debug/gatehouse
source scripts/lib/gatehouse.sh
gatehouse_env

# Two companies; Acme's first admin comes from the CLI link, its people from a CSV.
"$bin" account create acme --name "Acme Ltd" >/dev/null
"$bin" account create globex --name "Globex" >/dev/null
globex_token=$("$bin" account scim-token globex 2>/dev/null)
setup_link=$("$bin" admin create acme it@acme.com 2>/dev/null)
{
    echo "user_name,email,given_name,family_name,job_title,department"
    echo "ann.lee@acme.com,ann.lee@acme.com,Ann,Lee,Nurse,Care"
    echo "bob.stone@acme.com,bob.stone@acme.com,Bob,Stone,Driver,Logistics"
    for i in $(seq -w 1 30); do
        echo "staff$i@acme.com,staff$i@acme.com,Staff,Member $i,Clerk,Office"
    done
} >"$work/people.csv"
"$bin" employee import acme "$work/people.csv" 2>/dev/null
gatehouse_start

export GATEHOUSE_URL="http://127.0.0.1:$port" SETUP_LINK="$setup_link" GLOBEX_TOKEN="$globex_token" \
    CERTS="$PWD/certs/test" SCREENSHOTS="${SCREENSHOTS:-$PWD/target/screenshots}"
mkdir -p "$SCREENSHOTS"
# Sign-in with Microsoft over https: a second Gatehouse whose public URL is the TLS proxy that
# sso.test.mjs starts in front of it, and people that the test IdP signs in.
sso_work=$(mktemp -d)
sso_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
tls_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
idp_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=127.0.0.1" \
    -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" -keyout "$sso_work/tls-key.pem" -out "$sso_work/tls-cert.pem" 2>/dev/null
tenant=7f3c1a52-0b8e-4d7a-9f41-2c6d8e9a1b03
sso_env=(GATEHOUSE_DATABASE_URL="sqlite://$sso_work/gatehouse.db" GATEHOUSE_BIND="127.0.0.1:$sso_port"
    GATEHOUSE_PUBLIC_URL="https://127.0.0.1:$tls_port" RUST_LOG=warn)
env "${sso_env[@]}" "$bin" account create acme --name "Acme Ltd" >/dev/null
env "${sso_env[@]}" "$bin" account idp acme --entity-id "https://sts.windows.net/$tenant/" \
    --sso-url "https://localhost:$idp_port/saml2" --cert certs/test/idp-cert.pem 2>/dev/null
env "${sso_env[@]}" "$bin" account sso acme on 2>/dev/null
env "${sso_env[@]}" "$bin" account domain add acme acme.com 2>/dev/null
printf 'user_name,email,given_name,family_name\nann@acme.com,ann@acme.com,Ann,Lee\nbob@acme.com,bob@acme.com,Bob,Stone\n' \
    >"$sso_work/people.csv"
env "${sso_env[@]}" "$bin" employee import acme "$sso_work/people.csv" 2>/dev/null
env "${sso_env[@]}" "$bin" serve >"$sso_work/serve.log" 2>&1 &
sso_pid=$!
trap 'kill $gatehouse_pid $sso_pid 2>/dev/null || true; rm -rf "$work" "$sso_work"' EXIT
for _ in $(seq 1 50); do
    python3 -c "import urllib.request as u; u.urlopen('http://127.0.0.1:$sso_port/healthz', timeout=1)" 2>/dev/null && break
    sleep 0.2
done
export SSO_URL="https://127.0.0.1:$tls_port" SSO_UPSTREAM_PORT="$sso_port" IDP_PORT="$idp_port" \
    SAML_RESPONSE_BIN="$PWD/target/debug/examples/saml_response" \
    TLS_KEY="$sso_work/tls-key.pem" TLS_CERT="$sso_work/tls-cert.pem"

set +e
(cd tests/browser && node --test --test-concurrency=1 admin.test.mjs sso.test.mjs)
status=$?
set -e
if [[ $status -ne 0 ]]; then
    echo "browser tests failed; the servers' logs:" >&2
    tail -50 "$work/serve.log" >&2
    tail -50 "$sso_work/serve.log" >&2
fi
exit $status
