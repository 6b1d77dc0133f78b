#!/usr/bin/env bash
# Webhooks judged from outside by npm standardwebhooks (pinned in tests/webhooks/package.json),
# the Standard Webhooks project's own verifier: a receiver on a loopback port checks every
# signature, fails the first two attempts and records what came (tests/webhooks/). One throwaway
# Gatehouse on a fresh SQLite store with GATEHOUSE_WEBHOOKS_ALLOW_PRIVATE=1 (the receiver is on
# loopback); the webhook is added with the CLI, changes come from a CSV import and SCIM.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup-debian.sh --test
(cd tests/webhooks && npm ci --no-audit --no-fund --loglevel=error)

cargo build --locked --quiet --bin gatehouse
bin=$PWD/target/debug/gatehouse
source scripts/lib/gatehouse.sh
gatehouse_env
export GATEHOUSE_WEBHOOKS_ALLOW_PRIVATE=1

"$bin" account create acme --name "Acme Ltd" >/dev/null
value_of() { sed -n "s/^$1=//p"; }
client=$("$bin" client create "HR web" --redirect-uri https://hr.example.test/callback \
    --accounts acme 2>/dev/null)
export CLIENT_ID=$(value_of client_id <<<"$client") \
    CLIENT_SECRET=$(value_of client_secret <<<"$client") \
    SCIM_TOKEN=$("$bin" account scim-token acme 2>/dev/null)
gatehouse_start

export GATEHOUSE_URL="http://127.0.0.1:$port" GATEHOUSE_BIN="$bin" WORK="$work"
set +e
(cd tests/webhooks && node --test --test-concurrency=1 ./*.test.mjs)
status=$?
set -e
if [[ $status -ne 0 ]]; then
    echo "webhooks judge failed; the server's log:" >&2
    tail -50 "$work/serve.log" >&2
    [[ -f "$work/received.json" ]] && tail -c 4000 "$work/received.json" >&2
fi
exit $status
