#!/usr/bin/env bash
# The admin console in a real browser: Debian's chromium driven by npm playwright-core, against
# a real Gatehouse on a fresh SQLite store. Screenshots of every page land in
# target/screenshots (or $SCREENSHOTS).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup-debian.sh --test
(cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)

cargo build --locked --quiet --bin gatehouse
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
set +e
(cd tests/browser && node --test --test-concurrency=1 admin.test.mjs)
status=$?
set -e
if [[ $status -ne 0 ]]; then
    echo "browser tests failed; the server's log:" >&2
    tail -50 "$work/serve.log" >&2
fi
exit $status
