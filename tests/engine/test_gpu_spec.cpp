// SPDX-License-Identifier: Apache-2.0
// GPU table: the H800 figures of reference §2, internal consistency of every entry, lookup errors.
#include "engine/gpu_spec.hpp"

#include "common/errors.hpp"

#include <gtest/gtest.h>

#include <sstream>

namespace moetwin {
namespace {

TEST(GpuSpec, H800MatchesReference) {
    const GpuSpec& g = find_gpu("h800");
    EXPECT_EQ(g.num_sms, 132);
    EXPECT_EQ(g.hbm_bytes, 84'943'110'144.0);
    EXPECT_NEAR(g.hbm_bytes / double(1 << 30), 79.1, 0.05); // "≈79.1 GiB"
    EXPECT_EQ(g.hbm_bandwidth_Bps, 3.35e12);
    EXPECT_NEAR(g.peak_flops_bf16, 989e12, 0.5e12);
    EXPECT_EQ(g.nvlink_bandwidth_Bps, 200e9);
    EXPECT_EQ(g.nvlink_achievable_Bps, 160e9);
    EXPECT_EQ(g.nic_bandwidth_Bps, 50e9);
    // Reference §2: ~865 TFLOPS at the ~1600 MHz the H800 throttles to; same per-clock rate.
    EXPECT_NEAR(g.peak_flops_bf16 * 1.6e9 / g.sm_clock_hz, 865e12, 1e12);
}

TEST(GpuSpec, EveryEntryIsConsistent) {
    ASSERT_EQ(gpu_catalogue().size(), 6u);
    for (const GpuSpec& g : gpu_catalogue()) {
        EXPECT_NO_THROW(g.validate()) << g.name;
        EXPECT_EQ(&find_gpu(g.name), &g);
        EXPECT_DOUBLE_EQ(g.peak_flops_fp8, 2 * g.peak_flops_bf16) << g.name; // FP8 tensor rate is 2× BF16
        if (g.peak_flops_fp4 > 0) {
            EXPECT_DOUBLE_EQ(g.peak_flops_fp4, 2 * g.peak_flops_fp8) << g.name;
        }
        EXPECT_GE(g.hbm_bytes, 80e9) << g.name;
    }
    EXPECT_EQ(find_gpu("h100").nvlink_bandwidth_Bps, 450e9);
    EXPECT_EQ(find_gpu("b200").peak_flops_fp4, 9e15);
    EXPECT_EQ(find_gpu("h800").peak_flops_fp4, 0.0); // no FP4 on Hopper
}

TEST(GpuSpec, UnknownNameListsKnownOnes) {
    try {
        find_gpu("a100");
        FAIL() << "expected ConfigError";
    } catch (const ConfigError& e) {
        EXPECT_STREQ(e.what(),
                     "\"a100\" is not a known gpu (did you mean \"h100\"?); known: h800, h100, h200, h20, b200, gb200");
    }
    GpuSpec bad = find_gpu("h800");
    bad.num_sms = 0;
    EXPECT_THROW(bad.validate(), ConfigError);
    std::ostringstream out;
    out << find_gpu("h800");
    EXPECT_NE(out.str().find("hbm_bytes=84943110144"), std::string::npos);
}

} // namespace
} // namespace moetwin
