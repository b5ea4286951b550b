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
        // FP8 tensor rate is 2× BF16 where a GPU has one (A100 has none: 0); datasheets round, L40S's
        // 733 vs 2 × 362.05 is the widest gap (1.2 %).
        if (g.has_fp8()) {
            EXPECT_NEAR(g.peak_flops_fp8 / g.peak_flops_bf16, 2.0, 2.0 * 0.013) << g.name;
        }
        if (g.peak_flops_fp4 > 0) { // 2× FP8 (data centre) or 4× the FP32-accumulate FP8 rate (GeForce)
            EXPECT_GE(g.peak_flops_fp4, 2 * g.peak_flops_fp8) << g.name;
        }
        // INT8 at least the FP8 rate, INT4 (where present) 2× INT8 or (L40S datasheet) equal to it.
        EXPECT_GE(g.peak_ops_int8, g.peak_flops_fp8) << g.name;
        if (g.peak_ops_int4 > 0) {
            EXPECT_GE(g.peak_ops_int4, g.peak_ops_int8) << g.name;
        }
        // PCIe x16 Gen4 or Gen5, per direction.
        EXPECT_TRUE(g.pcie_bandwidth_Bps == 16 * 16e9 * 128.0 / 130.0 / 8 ||
                    g.pcie_bandwidth_Bps == 2 * 16 * 16e9 * 128.0 / 130.0 / 8)
            << g.name;
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

TEST(GpuSpec, ConsumerAndAmpereEntriesMatchTheirDatasheets) {
    const GpuSpec& rtx = find_gpu("rtx4090");
    EXPECT_EQ(rtx.hbm_bytes, 24e9);
    EXPECT_EQ(rtx.hbm_bandwidth_Bps, 1008e9);
    EXPECT_EQ(rtx.peak_flops_bf16, 165.2e12); // FP32 accumulate (Ada whitepaper)
    EXPECT_EQ(rtx.peak_ops_int4, 1321.2e12);
    EXPECT_FALSE(rtx.has_nvlink());
    // Ada whitepaper: 128 SMs × 2,520 MHz × 512 dense BF16 FLOP/clk/SM (FP32 accumulate) = 165.2 TFLOPS.
    EXPECT_NEAR(rtx.num_sms * rtx.sm_clock_hz * 512, rtx.peak_flops_bf16, 0.1e12);
    const GpuSpec& rtx48 = find_gpu("rtx4090_48gb");
    EXPECT_EQ(rtx48.hbm_bytes, 48e9);
    EXPECT_EQ(rtx48.peak_flops_fp8, rtx.peak_flops_fp8); // same AD102 silicon and clocks
    EXPECT_EQ(find_gpu("rtx5090").hbm_bytes, 32e9);
    EXPECT_EQ(find_gpu("rtx5090").hbm_bandwidth_Bps, 1792e9);
    EXPECT_EQ(find_gpu("rtx5090").peak_ops_int4, 0.0); // no INT4 tensor path on Blackwell
    EXPECT_NEAR(170 * find_gpu("rtx5090").sm_clock_hz * 512, 209.5e12, 0.1e12);
    const GpuSpec& a100 = find_gpu("a100");
    EXPECT_FALSE(a100.has_fp8()); // no FP8 tensor cores on Ampere
    EXPECT_EQ(a100.peak_ops_int8, 624e12);
    EXPECT_EQ(a100.hbm_bandwidth_Bps, 2039e9);
    // A100: 108 SMs × 1,410 MHz × 2048 dense BF16 FLOP/clk/SM = 311.9 TFLOPS (datasheet 312).
    EXPECT_NEAR(a100.num_sms * a100.sm_clock_hz * 2048, a100.peak_flops_bf16, 0.5e12);
    EXPECT_EQ(find_gpu("l40s").hbm_bytes, 48e9);
    EXPECT_FALSE(find_gpu("l40s").has_nvlink());
    EXPECT_TRUE(find_gpu("h800").has_nvlink());
}

TEST(GpuSpec, UnknownNameListsKnownOnes) {
    try {
        find_gpu("h10");
        FAIL() << "expected ConfigError";
    } catch (const ConfigError& e) {
        const std::string what = e.what();
        EXPECT_EQ(what.rfind("\"h10\" is not a known gpu (did you mean \"h100\"?); known: ", 0), 0u) << what;
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
