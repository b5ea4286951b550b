#!/usr/bin/env bash
# Fuzz every input reader with libFuzzer (issue 15 "Make it last"):
#   scripts/fuzz.sh [SECONDS_PER_READER | --runs N] [READER...]
# READER: scenario result expert_load profile calibration trace placement traffic_azure traffic_mooncake
# traffic_lengths step_model training_result (default: all); SECONDS default 60; --runs N runs each reader
# for N inputs instead (issue 15's target: 1000000 per reader; the counts reached are in tests/fuzz/README.md).
# MOETWIN_FUZZ_MAX_SECONDS caps each reader's time with --runs too (a loaded machine may not reach N).
# MOETWIN_JOBS: build parallelism (default nproc; use 1-2 on a shared machine). Readers run one at a time.
# Builds the fuzz targets in build-asan/ (scripts/asan_configure.sh: clang, ASan + UBSan, _GLIBCXX_ASSERTIONS,
# no NDEBUG; the build scripts/sanitize.sh uses),
# seeds each fuzzer with the shipped files and tests/fuzz/corpus/<reader>/ (the regression corpus that
# ctest replays with the ordinary compiler), and prints executions and crashes per reader. A crash leaves
# its input in build-asan/fuzz-artifacts/; once fixed, copy it into tests/fuzz/corpus/<reader>/.
# Exit status: 0 when no reader crashed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
limit=(-max_total_time=60)
what="60 s"
if [ "${1:-}" = --runs ]; then
    limit=(-runs="$2")
    what="a limit of $2 inputs"
    if [ -n "${MOETWIN_FUZZ_MAX_SECONDS:-}" ]; then
        limit+=(-max_total_time="$MOETWIN_FUZZ_MAX_SECONDS")
        what+=" or $MOETWIN_FUZZ_MAX_SECONDS s"
    fi
    shift 2
elif [ $# -gt 0 ]; then
    limit=(-max_total_time="$1")
    what="$1 s"
    shift
fi
readers=("$@")
[ ${#readers[@]} -gt 0 ] || readers=(scenario result expert_load profile calibration trace placement traffic_azure
    traffic_mooncake traffic_lengths step_model training_result)
source scripts/asan_configure.sh # sets $build (build-asan), shared with scripts/sanitize.sh
targets=()
for r in "${readers[@]}"; do targets+=("fuzz_$r"); done
cmake --build "$build" -j"${MOETWIN_JOBS:-$(nproc)}" --target "${targets[@]}"

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
    "$build/bin/fuzz_$r" "$work" "tests/fuzz/corpus/$r" "${!seeds_var}" "${limit[@]}" -timeout=20 \
        -rss_limit_mb=4096 -max_len=65536 -print_final_stats=1 -artifact_prefix="$build/fuzz-artifacts/$r-" \
        >"$log" 2>&1
    rc=$?
    set -e
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
    rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
    if [ $rc -ne 0 ]; then
        failed=1
        summary+=("$r: CRASH after $runs inputs (exit $rc), see $log and $build/fuzz-artifacts/")
    else
        summary+=("$r: $runs inputs ($rate/s, $what), no crash; corpus $(ls "$work" | wc -l) files")
    fi
done
printf '%s\n' "${summary[@]}"
exit $failed
