#!/usr/bin/env bash
# The outside judge for SCIM: PyPI scim2-cli (scim2-tester) against a running Gatehouse on a
# fresh SQLite store. Exits non-zero on any failed check, with one exception listed below.
#
# Known defect of scim2-tester 0.5.2 (pinned): for a PATCH on the path of a dateTime attribute
# (our dateOfEmployment) it compares its patch value, a string, with the value it parsed from our
# answer, a datetime; in Python a str never equals a datetime, so no server can pass that check.
# scripts/scim_judge_verdict.py accepts exactly that report, and only when both values are the
# same instant; every other error fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=${SCIM_JUDGE_VENV:-target/scim-judge-venv}
if [[ ! -x "$venv/bin/scim2" ]]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "scim2-cli==0.6.0" "scim2-tester==0.5.2"
fi

cargo build --locked --quiet
source scripts/lib/gatehouse.sh
gatehouse_env
./target/debug/gatehouse account create judge --name "SCIM judge" >/dev/null
token=$(./target/debug/gatehouse account scim-token judge 2>/dev/null)
gatehouse_start

set +e
SCIM_CLI_HEADERS="Authorization: Bearer $token" timeout 600 "$venv/bin/scim2" \
    --url "http://127.0.0.1:$port/scim/v2" test >"$work/judge.out" 2>&1
judge_exit=$?
set -e
cat "$work/judge.out"
python3 scripts/scim_judge_verdict.py "$work/judge.out" "$judge_exit"
