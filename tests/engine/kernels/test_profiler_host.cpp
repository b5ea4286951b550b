// SPDX-License-Identifier: Apache-2.0
// The host-only parts of the profiler (no GPU needed; built with CUDA because the library is): device name
// keys, the gate-driven traffic matrix of the NCCL benchmark, percentiles, the sweep presets, impl labels.
#include "engine/profiler/bench.hpp"
#include "engine/profiler/device_info.hpp"
#include "engine/profiler/sweep.hpp"
#include "engine/profiler/traffic.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace moetwin::profiler {
namespace {

TEST(ProfilerHost, GpuKeysFromDeviceNames) {
    EXPECT_EQ(gpu_key_from_name("NVIDIA H800"), "h800");
    EXPECT_EQ(gpu_key_from_name("NVIDIA H100 80GB HBM3"), "h100");
    EXPECT_EQ(gpu_key_from_name("NVIDIA H100 PCIe"), "h100");
    EXPECT_EQ(gpu_key_from_name("NVIDIA H200"), "h200");
    EXPECT_EQ(gpu_key_from_name("NVIDIA H20"), "h20");
    EXPECT_EQ(gpu_key_from_name("NVIDIA GB200"), "gb200"); // not b200: the longer name is tried first
    EXPECT_EQ(gpu_key_from_name("NVIDIA B200"), "b200");
    EXPECT_EQ(gpu_key_from_name("NVIDIA A100-SXM4-80GB"), "a100");
    EXPECT_EQ(gpu_key_from_name("Tesla V100-SXM2-32GB"), ""); // not in the GPU table
}

TEST(ProfilerHost, TrafficMatrixFromTheGate) {
    TrafficConfig c;
    c.num_gpus = 8, c.tokens_per_gpu = 256;
    const Traffic t = route_tokens(c);
    int64_t load    = 0;
    for (const int64_t l : t.expert_load)
        load += l;
    EXPECT_EQ(load, 8 * 256 * 8); // every token picks 8 experts
    for (int s = 0; s < 8; ++s) {
        EXPECT_GE(t.sent(s), 256);     // every token goes somewhere
        EXPECT_LE(t.sent(s), 256 * 4); // at most 4 groups = 4 GPUs (one group of 32 experts per GPU)
    }
    c.num_gpus        = 1;
    const Traffic one = route_tokens(c);
    EXPECT_EQ(one.tokens, std::vector<int64_t>{256}); // single rank: every token stays local, once
    c.num_gpus = 3;
    EXPECT_THROW(route_tokens(c), std::invalid_argument);
}

TEST(ProfilerHost, PercentilesAndPresets) {
    EXPECT_EQ(percentile({5, 1, 4, 2, 3}, 50), 3);
    EXPECT_EQ(percentile({5, 1, 4, 2, 3}, 10), 1);
    EXPECT_EQ(percentile({5, 1, 4, 2, 3}, 90), 5);
    const auto full = SweepConfig::preset("full");
    EXPECT_EQ(full.tokens.front(), 1);
    EXPECT_EQ(full.tokens.back(), 32768);
    EXPECT_EQ(full.local_experts.back(), 16);
    EXPECT_EQ(full.decode_kv.back(), 131072);
    EXPECT_EQ(full.query_tokens, (std::vector<int64_t>{1, 2}));
    EXPECT_EQ(op_impl("q_a_proj", Phase::Decode, Precision::Fp8E4m3), "cublaslt_fp8_blockscale");
    EXPECT_EQ(op_impl("kv_b_proj", Phase::Decode, Precision::Fp8E4m3), "cublaslt_bf16_batched_absorbed");
}

} // namespace
} // namespace moetwin::profiler
