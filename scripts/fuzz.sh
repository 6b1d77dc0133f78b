#!/usr/bin/env bash
# Fuzzes the ACS input path, the SCIM filter parser and the PATCH applier with cargo-fuzz
# (libFuzzer) for a fixed time each, then prints executions and findings per target. Not part of
# CI. A crash is saved under fuzz/artifacts/TARGET/; turn it into a regression test before
# fixing it. Usage: bash scripts/fuzz.sh [SECONDS_PER_TARGET [TARGET...]] (default 300, all);
# RUNS=10000000 runs each target for that many executions instead of a time.
# Leak detection is off: samael 0.0.22's signature verification leaks about 2 KiB of libxml2
# memory per verified response (found by this fuzzer), which would stop every run at the first seed.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-300}
shift || true
targets=("$@")
((${#targets[@]})) || targets=(acs_input scim_filter scim_patch)
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
# cargo-fuzz passes nightly-only flags; the stable toolchain accepts them when told to.
export RUSTC_BOOTSTRAP=1
# The same leak, added up, is reported again when the process exits: not a finding of ours.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0}"
limit="-max_total_time=$seconds"
[[ -n "${RUNS:-}" ]] && limit="-runs=$RUNS"
summary=()
for target in "${targets[@]}"; do
    mkdir -p "fuzz/corpus/$target" "fuzz/artifacts/$target"
    log=$(mktemp)
    set +e
    (cd fuzz && cargo fuzz run --release "$target" "corpus/$target" -- \
        $limit -max_len=65536 -detect_leaks=0 -print_final_stats=1) >"$log" 2>&1
    status=$?
    set -e
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
    crashes=$(find "fuzz/artifacts/$target" -type f | wc -l)
    summary+=("$target: $runs executions ($limit), exit $status, $crashes finding(s) in fuzz/artifacts/$target")
    if [[ $status -ne 0 ]]; then tail -30 "$log"; fi
    rm -f "$log"
done
printf '%s\n' "${summary[@]}"
