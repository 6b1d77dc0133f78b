#!/usr/bin/env bash
# Sets up a fresh Debian machine and runs every check: formatting, clippy, the whole test suite
# on SQLite, the admin console in a real browser, the SCIM, OpenID Connect, directory API and
# webhooks judges, and the suite again on a throwaway PostgreSQL server started here.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-debian.sh --test

echo "== cargo fmt --check" >&2
cargo fmt --all -- --check
echo "== cargo clippy" >&2
cargo clippy --locked --all-targets -- -D warnings

if cargo nextest --version >/dev/null 2>&1; then
    run_tests() { cargo nextest run --locked --no-fail-fast "$@"; }
else
    run_tests() { cargo test --locked --no-fail-fast "$@"; }
fi

echo "== tests on SQLite" >&2
TEST_DATABASE_URL="" run_tests

echo "== admin console in chromium (playwright-core)" >&2
bash scripts/browser-tests.sh

echo "== SCIM outside judge (scim2-tester)" >&2
bash scripts/scim-judge.sh

echo "== OpenID Connect judge (openid-client)" >&2
bash scripts/oidc-judge.sh

echo "== directory API judge (openapi-core)" >&2
bash scripts/api-judge.sh

echo "== webhooks judge (standardwebhooks)" >&2
bash scripts/webhook-judge.sh

echo "== tests on PostgreSQL" >&2
source scripts/lib/postgres.sh
start_postgres
TEST_DATABASE_URL="$PG_URL" run_tests
