#!/usr/bin/env bash
# The sanitizer build (issue 15 "Make it last"): ASan + UBSan + LeakSanitizer, -D_GLIBCXX_ASSERTIONS and no
# NDEBUG, then the whole test suite and every shipped scenario through `moetwin run`.
#   scripts/sanitize.sh            build in build-asan/ (MOETWIN_ASAN_BUILD_DIR), run everything
#   scripts/sanitize.sh --quick    CI's pass (.ci/run): the binary and the readers' tests only; every
#                                  reader's fuzz corpus and shipped files, the pure test suites of the
#                                  readers, the bad-input CLI suite and the tiny shipped scenarios
# The build is clang's (scripts/asan_configure.sh), shared with scripts/fuzz.sh.
# Leaks inside Mesa's GL driver are suppressed (scripts/lsan.supp). Any sanitizer report fails the test or
# run that produced it; the script exits 1 when anything failed and prints the time each part took.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$(pwd)
jobs=${MOETWIN_JOBS:-$(nproc)}
t0=$(date +%s)
source scripts/asan_configure.sh # sets $build (build-asan) and the sanitizer options
if [[ "${1:-}" == --quick ]]; then
    # What CI can afford on 2 cores (issue 15): no GUI, no SimGrid-heavy suites, no production-size
    # scenarios. Every input reader still runs instrumented on its corpus, and the binary on bad input.
    quick_tests=(test_common test_scenario test_result test_traffic_readers test_traffic_config test_serving
                 test_balancer_external test_cli_bad_input)
    cmake --build "$build" -j"$jobs" --target moetwin fuzz_replay "${quick_tests[@]}"
    t1=$(date +%s)
    status=0
    (cd "$build" && ctest -j"$jobs" --output-on-failure --timeout 1800 -L fuzz) || status=1
    # gtest_discover_tests names tests by suite, not executable: run each executable's own tests.
    for t in "${quick_tests[@]}"; do
        if ! (cd "$build" && "./bin/$t" --gtest_brief=1 >"/tmp/moetwin-sanitize-$t.log" 2>&1); then
            echo "sanitize: $t FAILED:"
            tail -40 "/tmp/moetwin-sanitize-$t.log"
            status=1
        else
            echo "sanitize: $t ok"
        fi
    done
    out=$(mktemp -d)
    for s in scenarios/tiny_*.json; do
        name=$(basename "$s" .json)
        [[ $name == tiny_serve_* ]] && continue # `moetwin serve`: builds step grids, minutes under ASan
        if "$build/bin/moetwin" run "$s" --out "$out/$name" >"$out/$name.log" 2>&1; then
            echo "sanitize: $s ok"
        else
            echo "sanitize: $s FAILED:"
            tail -30 "$out/$name.log"
            status=1
        fi
    done
    rm -rf "$out"
    t2=$(date +%s)
    echo "sanitize --quick: build $((t1 - t0)) s, tests and scenarios $((t2 - t1)) s"
    exit $status
fi
cmake --build "$build" -j"$jobs"
t1=$(date +%s)

status=0
# Test timeouts are scaled by 10 in this build (MOETWIN_TEST_TIMEOUT_SCALE): ASan -O1 and SimGrid's thread
# contexts (sim/network/sim_engine.cpp) make the SimGrid-heavy tests several times slower.
(cd "$build" && ctest -j"$jobs" --output-on-failure --timeout 1800 -LE gui) || status=1
# The GUI tests: Mesa dlcloses its software driver before LeakSanitizer looks, so the driver's leaks show as
# "<unknown module>" frames that no suppression can name; preloading the driver keeps it mapped, and
# scripts/lsan.supp's leak:swrast_dri.so then applies.
swrast=$(ls /usr/lib/*/dri/swrast_dri.so 2>/dev/null | head -1 || true)
(cd "$build" && LD_PRELOAD=${swrast} ctest -j"$jobs" --output-on-failure --timeout 1800 -L gui) || status=1
t2=$(date +%s)

out=$(mktemp -d)
for s in scenarios/*.json; do
    name=$(basename "$s" .json)
    if "$build/bin/moetwin" run "$s" --out "$out/$name" >"$out/$name.log" 2>&1; then
        echo "sanitize: $s ok"
    else
        echo "sanitize: $s FAILED (exit $?):"
        tail -30 "$out/$name.log"
        status=1
    fi
done
t3=$(date +%s)
rm -rf "$out"
echo "sanitize: build $((t1 - t0)) s, test suite $((t2 - t1)) s, scenarios $((t3 - t2)) s, total $((t3 - t0)) s"
exit $status
