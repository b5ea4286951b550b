#!/usr/bin/env bash
# Sourced by scripts/sanitize.sh and scripts/fuzz.sh: configures ONE instrumented build that both use
# (the libraries compile once): clang, ASan + UBSan (+ LeakSanitizer at run time), -D_GLIBCXX_ASSERTIONS,
# no NDEBUG (-O1 -g), libFuzzer coverage on every object and the fuzz_<reader> targets.
# Sets $build (MOETWIN_ASAN_BUILD_DIR, default build-asan).
build=${MOETWIN_ASAN_BUILD_DIR:-build-asan}
if ! command -v clang++ >/dev/null; then
    if [ "$(id -u)" = 0 ]; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends clang >/dev/null
    else
        echo "$0: clang++ not found; install Debian's clang" >&2
        exit 1
    fi
fi
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S . -B "$build" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" \
    -DCMAKE_CXX_FLAGS="-fsanitize=address,undefined,fuzzer-no-link -fno-sanitize-recover=undefined -fno-omit-frame-pointer -D_GLIBCXX_ASSERTIONS" \
    -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" \
    -DMOETWIN_ENABLE_CUDA=OFF -DMOETWIN_BUILD_FUZZERS=ON -DMOETWIN_TEST_TIMEOUT_SCALE=10 "${launcher[@]}" >/dev/null
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:strict_string_checks=1:check_initialization_order=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$(pwd)/scripts/lsan.supp:print_suppressions=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
