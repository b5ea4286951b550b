#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# On a machine with a Hopper GPU (H100/H800/H200, sm_90): build the CUDA engine, run the GPU tests
# (ctest -L gpu) and the CPU ones, run a first small profile and the NCCL all-to-all benchmark, and leave
# everything in $OUT (8 files at most, so the device tool can bring them all back):
#   SUMMARY.txt  environment.txt  build.log  ctest_gpu.log  ctest_cpu.log  profile.log  profile_<gpu>.json  nccl.csv
#
# One call from a development session (the GPU image has nvcc and CMake but not the Debian -dev packages):
#   scripts/gpu/pack_deps.sh                                   # here, once: fills build-gpu-deps/ (~4 MB)
#   device run, carry ["build-gpu-deps"], command: "scripts/gpu/validate_and_profile.sh"
# Steps can be run separately (a warm machine keeps build-gpu/): validate_and_profile.sh build|test|profile|nccl|all
# Environment: OUT (default ./gpu-out), JOBS (default nproc), PRESET (quick), PROFILE_TIMEOUT_S (420),
# PROFILE_ARGS (extra moetwin-profile options), BUILD_DIR (build-gpu).
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="${OUT:-$root/gpu-out}"
build="${BUILD_DIR:-$root/build-gpu}"
jobs="${JOBS:-$(nproc 2>/dev/null || echo 8)}"
preset="${PRESET:-quick}"
step="${1:-all}"
mkdir -p "$out"
summary="$out/SUMMARY.txt"
say() { printf '%s\n' "$*" | tee -a "$summary"; }
want() { [[ "$step" == all || "$step" == "$1" ]]; }
cd "$root"

if want build || [[ "$step" == all ]]; then
    : >"$summary"
    say "moetwin GPU validation, $(date -u +%Y-%m-%dT%H:%M:%SZ), step $step, commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
    {
        echo "== nvidia-smi"; nvidia-smi 2>&1
        echo "== nvidia-smi -q -d CLOCK"; nvidia-smi -q -d CLOCK 2>&1 | head -40
        echo "== nvcc"; (command -v nvcc >/dev/null && nvcc --version || /usr/local/cuda/bin/nvcc --version) 2>&1
        echo "== cmake"; cmake --version 2>&1
        echo "== c++"; c++ --version 2>&1
        echo "== uname"; uname -a
    } >"$out/environment.txt" 2>&1
fi

# NCCL: the toolkit's, else the nvidia-nccl wheel of the image's Python.
if [[ -z "${NCCL_ROOT:-}" ]]; then
    NCCL_ROOT="$(python3 -c 'import nvidia.nccl, os; print(os.path.dirname(nvidia.nccl.__file__))' 2>/dev/null || true)"
    export NCCL_ROOT
fi

if want build; then
    prefix="$root/build-gpu-deps/usr"
    [[ -d "$prefix" ]] || say "warning: $prefix missing (run scripts/gpu/pack_deps.sh on the dev machine and carry build-gpu-deps)"
    nvcc_path="$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)"
    start=$(date +%s)
    if cmake -S "$root/scripts/gpu" -B "$build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CUDA_COMPILER="$nvcc_path" \
        -DCMAKE_PREFIX_PATH="$prefix;$prefix/lib/x86_64-linux-gnu/cmake;$prefix/share/cmake" >"$out/build.log" 2>&1 &&
        cmake --build "$build" -j "$jobs" >>"$out/build.log" 2>&1; then
        say "build: ok in $(( $(date +%s) - start )) s ($jobs jobs)"
    else
        say "build: FAILED after $(( $(date +%s) - start )) s; see build.log"
        tail -n 40 "$out/build.log"
        exit 2
    fi
    # Keep build.log small enough to come back whole.
    tail -n 3000 "$out/build.log" >"$out/build.log.tmp" && mv "$out/build.log.tmp" "$out/build.log"
fi

if want test; then
    (cd "$build" && ctest -L gpu -V --output-on-failure --timeout 600) >"$out/ctest_gpu.log" 2>&1
    rc=$?
    say "ctest -L gpu: $( [[ $rc == 0 ]] && echo ok || echo FAILED ) ($(grep -E 'tests passed|tests failed' "$out/ctest_gpu.log" | tail -1))"
    grep -E '\[perf\]|\[seed\]' "$out/ctest_gpu.log" | sed 's/^[0-9]*: //' | sort -u | tee -a "$summary" >/dev/null
    (cd "$build" && ctest -LE gpu --output-on-failure -j "$jobs") >"$out/ctest_cpu.log" 2>&1
    rc2=$?
    say "ctest -LE gpu: $( [[ $rc2 == 0 ]] && echo ok || echo FAILED ) ($(grep -E 'tests passed|tests failed' "$out/ctest_cpu.log" | tail -1))"
fi

if want profile; then
    key="$(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -1 | tr 'A-Z ' 'a-z_' | tr -cd 'a-z0-9_')"
    json="$out/profile_${key:-gpu}.json"
    start=$(date +%s)
    timeout "${PROFILE_TIMEOUT_S:-420}" "$build/bin/moetwin-profile" --preset "$preset" --out "$json" ${PROFILE_ARGS:-} \
        >"$out/profile.log" 2>&1
    rc=$?
    # moetwin-profile checkpoints after every family, so a timeout still leaves the families done so far.
    say "moetwin-profile --preset $preset: rc $rc in $(( $(date +%s) - start )) s, $(grep -c '"op"' "$json" 2>/dev/null || echo 0) records in $(basename "$json")"
    tail -n 3 "$out/profile.log" | tee -a "$summary" >/dev/null
fi

if want nccl; then
    if [[ -x "$build/bin/moetwin-nccl-bench" ]]; then
        "$build/bin/moetwin-nccl-bench" --out "$out/nccl.csv" >>"$summary" 2>&1 || say "moetwin-nccl-bench: FAILED"
    else
        say "moetwin-nccl-bench: not built (no NCCL found; set NCCL_ROOT)"
    fi
fi
