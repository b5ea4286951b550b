// SPDX-License-Identifier: Apache-2.0
// Helpers of the GPU kernel tests: skip without a usable device, fresh seeded inputs (a fixed seed, printed;
// MOETWIN_TEST_SEED chooses another), the normalised error (ggml's NMSE), FP8 dequantisation and the perf line.
#pragma once

#include "engine/kernels/device_buffer.hpp"
#include "engine/kernels/dtype.hpp"
#include "engine/kernels/kernel_params.hpp"
#include "engine/profiler/bench.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <vector>

// Skips the test unless a CUDA device is usable (any cudaGetDeviceCount error counts as "none").
#define MOETWIN_REQUIRE_GPU()                                                                                          \
    do {                                                                                                               \
        std::string moetwin_why_;                                                                                      \
        if (!::moetwin::kernels::cuda_device_available(&moetwin_why_))                                                 \
            GTEST_SKIP() << "no usable GPU: " << moetwin_why_;                                                         \
    } while (0)

namespace moetwin::kernels::test {

// A generator seeded from MOETWIN_TEST_SEED (or a fixed default seed) mixed with the running test's name;
// the seed is printed so a failure can be replayed.
std::mt19937_64 rng_for_test();
std::vector<float> uniform(std::mt19937_64& rng, size_t n, float lo, float hi);
std::vector<bf16_t> uniform_bf16(std::mt19937_64& rng, size_t n, float lo, float hi);

// Σ(got - ref)² / Σ ref² (0 when both are zero).
double nmse(const std::vector<float>& got, const std::vector<float>& ref);
// FP8 matrix [rows, cols] with scales in `layout` (rows/num_tiles filled in) back to float.
std::vector<float> dequantize(const std::vector<fp8_e4m3_t>& q, const std::vector<float>& scales, int64_t rows,
                              int64_t cols, Fp8ScaleLayout layout = {});

// Times `op` with the profiler's Bench (warm-up, graphs, L2 flush) on a fresh stream.
profiler::BenchResult time_op(const std::function<void(cudaStream_t)>& op, int repeats = 20);
// "[perf] op=... shape=... time_us=... TFLOPS=... GB/s=... roofline=..% [vs <baseline>=x]" on stdout;
// the roofline share uses the GPU table entry of this device (H100 figures when unknown). Returns that share
// and fails the running test when it is above 1.05 (faster than physics: a wrong timer or work count) or, for
// an op with work given, below 0.01.
double print_perf(const std::string& op, const std::string& shape, const profiler::BenchResult& r, double flops,
                  double bytes, bool fp8_flops, const std::string& baseline = "", double baseline_s = 0);

template <class T> std::vector<T> download(const DeviceBuffer<T>& b) {
    return b.download();
}

} // namespace moetwin::kernels::test
