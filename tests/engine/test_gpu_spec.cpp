// SPDX-License-Identifier: Apache-2.0
// GPU table: the H800 figures of reference §2, internal consistency of every entry, lookup errors.
#include "engine/gpu_spec.hpp"

#include "common/errors.hpp"

#include <gtest/gtest.h>

#include <set>
#include <sstream>
#include <string>

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
    // Properties of every entry, not a pinned list: adding a GPU needs no edit here.
    ASSERT_FALSE(gpu_catalogue().empty());
    std::set<std::string> names;
    for (const GpuSpec& g : gpu_catalogue()) {
        EXPECT_TRUE(names.insert(g.name).second) << "duplicate " << g.name;
        EXPECT_NO_THROW(g.validate()) << g.name;
        EXPECT_EQ(&find_gpu(g.name), &g);
        EXPECT_DOUBLE_EQ(g.peak_flops_fp8, 2 * g.peak_flops_bf16) << g.name; // FP8 tensor rate is 2× BF16
        if (g.peak_flops_fp4 > 0) {
            EXPECT_DOUBLE_EQ(g.peak_flops_fp4, 2 * g.peak_flops_fp8) << g.name;
        }
        EXPECT_GT(g.hbm_bytes, 0.0) << g.name;
        // Units check: every tensor-core GPU's ridge point (BF16 FLOP per HBM byte) lies between 10 and 1000
        // (H20, compute-cut, is the lowest in the table at 37); a TB/GB or TFLOP/FLOP slip lands far outside.
        EXPECT_GT(g.peak_flops_bf16 / g.hbm_bandwidth_Bps, 10.0) << g.name;
        EXPECT_LT(g.peak_flops_bf16 / g.hbm_bandwidth_Bps, 1000.0) << g.name;
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
        const std::string what = e.what();
        EXPECT_EQ(what.rfind("\"a100\" is not a known gpu (did you mean \"h100\"?); known: ", 0), 0u) << what;
        for (const GpuSpec& g : gpu_catalogue()) // the message lists every known GPU
            EXPECT_NE(what.find(g.name), std::string::npos) << what;
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
