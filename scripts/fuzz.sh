#!/usr/bin/env bash
# Fuzz every input reader with libFuzzer (issue 15 "Make it last"):
#   scripts/fuzz.sh [SECONDS_PER_READER] [READER...]
# READER: scenario result expert_load profile calibration trace placement traffic_azure traffic_mooncake
# traffic_lengths step_model training_result (default: all); SECONDS default 60.
# Builds the fuzz targets in build-asan/ (scripts/asan_configure.sh: clang, ASan + UBSan, _GLIBCXX_ASSERTIONS,
# no NDEBUG; the build scripts/sanitize.sh uses),
# seeds each fuzzer with the shipped files and tests/fuzz/corpus/<reader>/ (the regression corpus that
# ctest replays with the ordinary compiler), and prints executions and crashes per reader. A crash leaves
# its input in build-asan/fuzz-artifacts/; once fixed, copy it into tests/fuzz/corpus/<reader>/.
# Exit status: 0 when no reader crashed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
secs=${1:-60}
shift || true
readers=("$@")
[ ${#readers[@]} -gt 0 ] || readers=(scenario result expert_load profile calibration trace placement traffic_azure
    traffic_mooncake traffic_lengths step_model training_result)
source scripts/asan_configure.sh # sets $build (build-asan), shared with scripts/sanitize.sh
targets=()
for r in "${readers[@]}"; do targets+=("fuzz_$r"); done
cmake --build "$build" -j"$(nproc)" --target "${targets[@]}"

seeds_scenario=(scenarios)
seeds_result=(tests/golden)
seeds_expert_load=(scenarios/data/expert_load tests/balancer/data)
seeds_profile=(tests/engine/data)
seeds_calibration=(scenarios/data/calibration)
seeds_trace=()
seeds_placement=(examples/balancer)
seeds_traffic_azure=()
seeds_traffic_mooncake=()
seeds_traffic_lengths=()
seeds_step_model=()
seeds_training_result=()
mkdir -p "$build/fuzz-artifacts"
failed=0
summary=()
for r in "${readers[@]}"; do
    work="$build/fuzz-corpus/$r"
    mkdir -p "$work"
    seeds_var="seeds_${r}[@]"
    log="$build/fuzz-$r.log"
    set +e
    "$build/bin/fuzz_$r" "$work" "tests/fuzz/corpus/$r" "${!seeds_var}" -max_total_time="$secs" -timeout=20 \
        -rss_limit_mb=4096 -max_len=65536 -print_final_stats=1 -artifact_prefix="$build/fuzz-artifacts/$r-" \
        >"$log" 2>&1
    rc=$?
    set -e
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
    if [ $rc -ne 0 ]; then
        failed=1
        summary+=("$r: CRASH after $runs inputs (exit $rc), see $log and $build/fuzz-artifacts/")
    else
        summary+=("$r: $runs inputs in ${secs} s, no crash; corpus $(ls "$work" | wc -l) files")
    fi
done
printf '%s\n' "${summary[@]}"
exit $failed
