#!/usr/bin/env bash
# The directory API judged from outside by PyPI openapi-spec-validator (the served OpenAPI 3.1
# document against the specification's meta-schema) and openapi-core (real responses of every
# endpoint, problems included, against that document). Pinned in tests/api/requirements.txt and
# installed once into a virtualenv under target/. One throwaway Gatehouse on a fresh SQLite
# store: accounts "acme" (people from a CSV with a manager, a setup admin; the judge itself
# pushes people with a manager and a group over SCIM, as Entra does) and "globex", and two
# confidential clients, each serving one of them.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup-debian.sh --test

venv=$PWD/target/api-judge-venv
requirements=tests/api/requirements.txt
if ! cmp -s "$requirements" "$venv/requirements.txt" 2>/dev/null; then
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
    cp "$requirements" "$venv/requirements.txt"
fi

cargo build --locked --quiet --bin gatehouse
bin=$PWD/target/debug/gatehouse
source scripts/lib/gatehouse.sh
gatehouse_env

"$bin" account create acme --name "Acme Ltd" >/dev/null
"$bin" account create globex --name "Globex" >/dev/null
cat >"$work/acme.csv" <<'CSV'
user_name,email,given_name,family_name,job_title,department,employment_date,payroll_number,employee_number,subsidiary,country,manager
bea@acme.com,bea@acme.com,Bea,Berg,Pharmacist,Pharmacy,2019-01-07,P-1,E-1,Acme AB,SE,
cat@acme.com,cat@acme.com,Cat,Berg,Assistant,Pharmacy,,,,,,bea@acme.com
CSV
"$bin" employee import acme "$work/acme.csv" 2>/dev/null
"$bin" admin create acme it@acme.com >/dev/null 2>&1
printf 'user_name,email,given_name,family_name\ngus@globex.com,gus@globex.com,Gus,Grey\n' >"$work/globex.csv"
"$bin" employee import globex "$work/globex.csv" 2>/dev/null
scim_token=$("$bin" account scim-token acme 2>/dev/null)
value_of() { sed -n "s/^$1=//p"; }
client=$("$bin" client create "HR directory" --redirect-uri https://hr.example.test/callback \
    --accounts acme 2>/dev/null)
other=$("$bin" client create "Globex HR" --redirect-uri https://hr.globex.test/callback \
    --accounts globex 2>/dev/null)
export CLIENT_ID=$(value_of client_id <<<"$client") CLIENT_SECRET=$(value_of client_secret <<<"$client") \
    OTHER_ID=$(value_of client_id <<<"$other") OTHER_SECRET=$(value_of client_secret <<<"$other") \
    SCIM_TOKEN=$scim_token
gatehouse_start
export GATEHOUSE_URL="http://127.0.0.1:$port"

set +e
"$venv/bin/python" tests/api/judge.py
status=$?
set -e
if [[ $status -ne 0 ]]; then
    echo "directory API judge failed; the server's log:" >&2
    tail -50 "$work/serve.log" >&2
fi
exit $status
