#!/usr/bin/env bash
# The sanitizer build (issue 15 "Make it last"): ASan + UBSan + LeakSanitizer, -D_GLIBCXX_ASSERTIONS and no
# NDEBUG, built by clang (scripts/asan_configure.sh, the build scripts/fuzz.sh shares).
#   scripts/sanitize.sh        the full pass: every target, the whole test suite, every shipped scenario
#                              through `moetwin run` (about 1.5 h on 2 cores: opt-in, MOETWIN_CI_SANITIZE=1)
#   scripts/sanitize.sh --rest the full pass less what --ci runs (after --ci, in the same build folder: the two
#                              together are the full pass, in two halves that each fit a short session)
#   scripts/sanitize.sh --ci   the pass CI always runs (.ci/run): the CLI, the readers' test suites, the suites
#                              of the serving replay, expert drift, sweep, balancer floor and dynamic redundancy,
#                              prefill micro-batches, training/pipeline, offload and TP, the
#                              fuzz corpora replayed through every reader, `moetwin validate` of every shipped
#                              scenario, the tiny ones and the 2,048-GPU training run through `moetwin run`, the
#                              tiny and the drift serving scenarios through `moetwin serve`. Its cost on 2 cores
#                              is in tests/fuzz/README.md ("Sanitizer cost").
# Build folder: MOETWIN_ASAN_BUILD_DIR (default build-asan); MOETWIN_JOBS: parallelism (default nproc).
# Leaks inside Mesa's GL driver are suppressed (scripts/lsan.supp). Any sanitizer report fails the test or
# run that produced it; the script exits 1 when anything failed and prints the wall and CPU time of each part.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mode=full
if [ "${1:-}" = --ci ]; then
    mode=ci
elif [ "${1:-}" = --rest ]; then
    mode=rest
elif [ $# -gt 0 ]; then
    echo "usage: $0 [--ci | --rest]" >&2
    exit 2
fi
jobs=${MOETWIN_JOBS:-$(nproc)}
status=0
timings=()
# Runs "$@" and records its wall time and the CPU time (user + system) of every process it started.
timed() {
    local label=$1
    shift
    local t0 c0
    t0=$(date +%s.%N)
    cpu_seconds
    c0=$cpu
    "$@" || status=1
    cpu_seconds
    timings+=("$(awk -v l="$label" -v t0="$t0" -v t1="$(date +%s.%N)" -v c0="$c0" -v c1="$cpu" \
        'BEGIN { printf "%s: %.0f s wall, %.0f CPU s", l, t1 - t0, c1 - c0 }')")
}
# Sets $cpu: user + system seconds of this shell's finished children (`times`, second line; run in this
# shell, not in a $(...) subshell, whose counters start at zero).
times_file=$(mktemp)
trap 'rm -f "$times_file"' EXIT
cpu_seconds() {
    times >"$times_file"
    cpu=$(awk 'NR == 2 { n = split($1 " " $2, f, /[ms]+/); s = 0;
        for (i = 1; i + 1 <= n; i += 2) s += f[i] * 60 + f[i + 1]; print s }' "$times_file")
}

source scripts/asan_configure.sh # sets $build (build-asan) and the sanitizer options

# The CLI and every gtest executable of the readers (scenario and bounds, result, profile and calibration,
# expert load, profiler trace, request traces, step-time model file, common's strict JSON reader), the
# replay of tests/fuzz/corpus, and test_cli_bad_input (every reader's bad input through the binary).
ci_tests=(test_common test_preflight test_scenario test_result test_profile test_balancer_expert_load test_calibrate
    test_traffic_readers test_serving_step_model test_cli_bad_input)
# The code that landed after the last clean full pass (issue 15 item 3): the serving replay, its expert drift and
# the sweep, whole; the balancer's placement floor, LP floor, tree partition, replica ring, cross judgement (with drift) and dynamic
# redundancy with sampled recent loads; of test_step
# (every step and network suite), the prefill micro-batch cut (StepBatches), the training/pipeline, offload and TP
# suites.
ci_new_tests=(test_serving test_serve_cli test_serving_drift test_drift_cli test_sweep test_balancer_placement_floor
    test_balancer_tree_partition test_balancer_replica_ring test_balancer_lp_floor test_balancer_cross test_balancer_dynamic_redundancy)
ci_step_suites=(StepBatches Pipeline PipelineActors TrainingFabric TrainingPipeline TrainingRun TrainingWindow HostCpu OffloadFit
    OffloadScenario OffloadStep Residency SharedLinkFetch StepTp)
# The scenarios small enough to simulate instrumented on 2 cores in seconds, and the 2,048-GPU training run (about
# a minute of CPU instrumented).
ci_runs=(tiny_2gpu_1layer tiny_1node_ep8_decode tiny_train_pp2_ep16 deepseek_v3_pretrain_2048)
# Open MPI's own allocations at MPI_Finalize show as leaks from the components it has dlclosed (frames no
# suppression can name): the mpirun suite runs with ASan and UBSan but without LeakSanitizer.
mpi_suites='^SweepMpi\.'

build_targets() {
    if [ $mode = ci ]; then
        cmake --build "$build" -j"$jobs" --target moetwin fuzz_replay "${ci_tests[@]}" "${ci_new_tests[@]}" test_step ||
            exit 1
    else
        cmake --build "$build" -j"$jobs" || exit 1
    fi
}

# Test timeouts are scaled by 10 in this build (MOETWIN_TEST_TIMEOUT_SCALE): ASan -O1 and SimGrid's thread
# contexts (sim/network/sim_engine.cpp) make the SimGrid-heavy tests several times slower.
run_tests() {
    # ctest runs each TEST in its own process, as SimGrid needs; the CI executables' suites select them.
    local t suites=()
    for t in "${ci_tests[@]}" "${ci_new_tests[@]}"; do
        mapfile -t -O ${#suites[@]} suites < <("$build/bin/$t" --gtest_list_tests | sed -n 's/^\([^ ][^ ]*\)\.\( .*\)\{0,1\}$/\1/p')
    done
    suites+=("${ci_step_suites[@]}")
    local regex
    regex="^($(
        IFS='|'
        echo "${suites[*]}"
    ))\\."
    if [ $mode = ci ]; then
        (cd "$build" && ctest -j"$jobs" --output-on-failure -R "$regex" -E "$mpi_suites") || status=1
        run_mpi_tests
        (cd "$build" && ctest --output-on-failure -L fuzz) || status=1
        return
    fi
    if [ $mode = rest ]; then # what --ci ran is left out: its suites, the MPI suites and the fuzz corpora
        (cd "$build" && ctest -j"$jobs" --output-on-failure --timeout 1800 -LE 'gui|fuzz' -E "$regex|$mpi_suites") ||
            status=1
    else
        (cd "$build" && ctest -j"$jobs" --output-on-failure --timeout 1800 -LE gui -E "$mpi_suites") || status=1
        run_mpi_tests
    fi
    # The GUI tests: Mesa dlcloses its software driver before LeakSanitizer looks, so the driver's leaks show
    # as "<unknown module>" frames that no suppression can name; preloading the driver keeps it mapped, and
    # scripts/lsan.supp's leak:swrast_dri.so then applies.
    local swrast
    swrast=$(ls /usr/lib/*/dri/swrast_dri.so 2>/dev/null | head -1 || true)
    (cd "$build" && LD_PRELOAD=${swrast} ctest -j"$jobs" --output-on-failure --timeout 1800 -L gui) || status=1
}

run_mpi_tests() {
    (cd "$build" && ASAN_OPTIONS="$ASAN_OPTIONS:detect_leaks=0" ctest --output-on-failure -R "$mpi_suites") || status=1
}

# Runs one CLI command on a scenario; prints its log's end when it fails.
cli() {
    local log=$1
    shift
    if "$build/bin/moetwin" "$@" >"$log" 2>&1; then
        echo "sanitize: moetwin $* ok"
    else
        echo "sanitize: moetwin $* FAILED (exit $?):"
        tail -30 "$log"
        status=1
    fi
}

run_scenarios() {
    local out s name
    out=$(mktemp -d)
    if [ $mode = ci ]; then
        for s in scenarios/*.json; do
            cli "$out/validate-$(basename "$s" .json).log" validate "$s"
        done
        for name in "${ci_runs[@]}"; do
            cli "$out/$name.log" run "scenarios/$name.json" --out "$out/$name"
        done
        cli "$out/tiny_serve_2node.log" serve scenarios/tiny_serve_2node.json --out "$out/tiny_serve_2node" \
            --step-model-cache "$out/step_models"
        cli "$out/drift_serve_8gpu.log" serve tests/serving_drift/drift_serve_8gpu.json --out "$out/drift_serve_8gpu" \
            --step-model-cache "$out/step_models"
    else
        for s in scenarios/*.json; do
            name=$(basename "$s" .json)
            if [ $mode = rest ]; then # --ci ran these
                case " ${ci_runs[*]} " in *" $name "*) continue ;; esac
            fi
            cli "$out/$name.log" run "$s" --out "$out/$name"
        done
    fi
    rm -rf "$out"
}

timed build build_targets
timed tests run_tests
timed scenarios run_scenarios
echo "sanitize ($mode): $(printf '%s; ' "${timings[@]}")"
exit $status
