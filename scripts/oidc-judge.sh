#!/usr/bin/env bash
# The OpenID Connect provider judged from outside by a strict relying-party library: npm
# openid-client (pinned in tests/oidc/package.json), with its own, unmodified validation of
# discovery, the JWKS, ID token signatures and claims, state, nonce, iss and PKCE. One throwaway
# Gatehouse on a fresh SQLite store: account "globex" signs in with passwords, account "acme"
# through the test IdP (SAML responses made by examples/saml_response.rs).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup-debian.sh --test
(cd tests/oidc && npm ci --no-audit --no-fund --loglevel=error)

cargo build --locked --quiet --bin gatehouse --example saml_response
bin=$PWD/target/debug/gatehouse
source scripts/lib/gatehouse.sh
gatehouse_env

# Password sign-in: Globex's setup admin, whose password the test sets through the CLI link.
"$bin" account create globex --name "Globex" >/dev/null
setup_link=$("$bin" admin create globex it@globex.com 2>/dev/null)
# SAML sign-in: Acme trusts the test IdP, SSO on, Ann imported.
tenant=7f3c1a52-0b8e-4d7a-9f41-2c6d8e9a1b03
"$bin" account create acme --name "Acme Ltd" >/dev/null
"$bin" account idp acme --entity-id "https://sts.windows.net/$tenant/" \
    --sso-url "https://login.microsoftonline.com/$tenant/saml2" --cert certs/test/idp-cert.pem 2>/dev/null
"$bin" account sso acme on 2>/dev/null
printf 'user_name,email,given_name,family_name,job_title,department\nann@acme.com,ann@acme.com,Ann,Lee,Nurse,Care\n' \
    >"$work/people.csv"
"$bin" employee import acme "$work/people.csv" 2>/dev/null

# The applications: a confidential web app, and a native app on a loopback redirect.
value_of() { sed -n "s/^$1=//p"; }
confidential=$("$bin" client create "HR web" --redirect-uri https://hr.example.test/callback \
    --post-logout-uri https://hr.example.test/signed-out 2>/dev/null)
public=$("$bin" client create "HR desktop" --public --redirect-uri http://127.0.0.1/cb 2>/dev/null)
export CONFIDENTIAL_ID=$(value_of client_id <<<"$confidential") \
    CONFIDENTIAL_SECRET=$(value_of client_secret <<<"$confidential") \
    PUBLIC_ID=$(value_of client_id <<<"$public")
gatehouse_start

export GATEHOUSE_URL="http://127.0.0.1:$port" SETUP_LINK="$setup_link" \
    SAML_RESPONSE_BIN="$PWD/target/debug/examples/saml_response"
(cd tests/oidc && node setup.mjs)
set +e
(cd tests/oidc && node --test --test-concurrency=1 ./*.test.mjs)
status=$?
set -e
if [[ $status -ne 0 ]]; then
    echo "OpenID Connect judge failed; the server's log:" >&2
    tail -50 "$work/serve.log" >&2
fi
exit $status
