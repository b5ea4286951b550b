// SPDX-License-Identifier: Apache-2.0
// The calibrated roofline: hand-computed times for one op of each law, the SM share, and the
// calibration against DeepSeek's published H800 kernel figures pinned as a regression.
#include "common/errors.hpp"
#include "engine/model_spec.hpp"
#include "engine/roofline.hpp"

#include <gtest/gtest.h>

#include <cmath>

using namespace moetwin;

namespace {
const OpSpec& op_named(const std::vector<OpSpec>& ops, std::string_view name) {
    for (const auto& op : ops)
        if (op.name == name) return op;
    throw std::runtime_error("no op " + std::string(name));
}
} // namespace

TEST(Roofline, MemoryBoundNormIsBytesOverBandwidthPlusOverhead) {
    const RooflineModel model(find_gpu("h800"));
    const ModelSpec& v3 = find_model("deepseek_v3");
    const OpSpec& norm  = op_named(v3.moe_layer_ops, "attn_norm");
    OpShape s;
    s.num_tokens = 4096;
    // Reads and writes 4096 × 7168 BF16 values plus the 7168-value weight (engine/layer_ops.cpp):
    const double bytes = 2.0 * 2.0 * 4096 * 7168 + 2.0 * 7168;
    ASSERT_DOUBLE_EQ(norm.bytes(s), bytes);
    // H800 3.35 TB/s at the norm family's 31 % (ln_fwd_kernel in DeepSeek's H800 trace), 2 µs.
    const double expected = bytes / (3.35e12 * 0.31) + 2e-6;
    EXPECT_NEAR(model.op_time(norm, s, 132).seconds, expected, 1e-12);
    EXPECT_FALSE(model.op_time(norm, s, 132).measured);
}

TEST(Roofline, GemmLawByHand) {
    const RooflineModel model(find_gpu("h800"));
    // M = 4096, N = 7168, K = 16384 FP8: 32 × 56 = 1792 tiles of 128 × 128 = 13.58 waves on 132 SMs,
    // wave efficiency 1792 / (14 × 132) = 0.9697; t_c = 2MNK / (1978.8e12 × 0.74 × 0.9697) × (K + 256) / K;
    // 1792 tiles >= 24 saturate HBM: t_m = (MK + NK + 2MN) / (3.35e12 × 0.90); t = sqrt(t_c² + t_m²) + 2 µs.
    const double M = 4096, N = 7168, K = 16384;
    const double flops = 2 * M * N * K, bytes = M * K + N * K + 2 * M * N;
    const double t_c = flops / (1978.8e12 * 0.74 * (1792.0 / (14 * 132))) * (K + 256) / K;
    const double t_m = bytes / (3.35e12 * 0.90);
    const double t   = std::sqrt(t_c * t_c + t_m * t_m) + 2e-6;
    ASSERT_DOUBLE_EQ(find_gpu("h800").peak_flops_fp8, 1978.8e12);
    EXPECT_NEAR(model.gemm_seconds(flops, bytes, 1, 4096, 7168, 16384, 1978.8e12, 132), t, 1e-12);
    // DeepGEMM's April figure for this shape is 1520 TFLOPS; the model says 1385 (-8.9 %).
    EXPECT_NEAR(flops / t / 1e12, 1385, 1.0);
}

TEST(Roofline, FewerSmsSlowComputeBoundWorkOnly) {
    const RooflineModel model(find_gpu("h800"));
    const ModelSpec& v3 = find_model("deepseek_v3");
    const OpSpec& up    = op_named(v3.moe_layer_ops, "expert_gate_up");
    OpShape s;
    s.phase             = Phase::Prefill;
    s.num_local_experts = 9;
    s.tokens_per_expert = 4096;
    s.num_tokens        = 9 * 4096;
    const double full   = model.op_time(up, s, 132).seconds;
    const double part   = model.op_time(up, s, 108).seconds; // prefill: 24 SMs held by DeepEP
    EXPECT_GT(part / full, 1.15);
    EXPECT_LT(part / full, 132.0 / 108.0 + 1e-9);
    const OpSpec& norm = op_named(v3.moe_layer_ops, "attn_norm");
    EXPECT_DOUBLE_EQ(model.op_time(norm, s, 108).seconds, model.op_time(norm, s, 132).seconds);
}

TEST(Roofline, CalibrationAgainstPublishedH800Figures) {
    const RooflineModel model(find_gpu("h800"));
    const auto rows = roofline_calibration(model);
    ASSERT_EQ(rows.size(), 30u); // 28 DeepGEMM shapes + 2 FlashMLA figures
    double sum_sq = 0, worst = 0;
    int gemm_rows = 0;
    for (const auto& r : rows) {
        SCOPED_TRACE(r.source + " " + r.shape);
        if (r.source.rfind("DeepGEMM", 0) == 0) {
            sum_sq += r.error() * r.error();
            worst = std::max(worst, std::abs(r.error()));
            ++gemm_rows;
            EXPECT_LT(std::abs(r.error()), 0.15);
        } else {
            EXPECT_LT(std::abs(r.error()), 0.01); // the two FlashMLA constants are these figures
        }
    }
    EXPECT_EQ(gemm_rows, 28);
    EXPECT_LT(std::sqrt(sum_sq / gemm_rows), 0.057); // measured: 5.6 % RMS
    EXPECT_GT(worst, 0.13);                          // M = 64, N = 7168, K = 2048: -14 %, see roofline.cpp
}

TEST(Roofline, GemmPeakFollowsTheWeightFormatAndTheHardware) {
    const GpuSpec& rtx = find_gpu("rtx4090");
    EXPECT_EQ(gemm_peak_flops(rtx, Precision::Fp8E4m3), 330.3e12);
    EXPECT_EQ(gemm_peak_flops(rtx, Precision::Int8), 660.6e12);
    EXPECT_EQ(gemm_peak_flops(rtx, Precision::Int4G128), 165.2e12); // W4A16: dequantised, BF16/FP16 rate
    EXPECT_EQ(gemm_peak_flops(rtx, Precision::Fp16), 165.2e12);
    EXPECT_THROW(gemm_peak_flops(find_gpu("a100"), Precision::Fp8E4m3), ConfigError); // no FP8 on Ampere
    EXPECT_EQ(gemm_peak_flops(find_gpu("a100"), Precision::Int8), 624e12);
    // A memory-bound decode GEMM moves the INT4 weights and their scales: a DeepSeek-V3 expert down
    // projection [2048 -> 7168] at 1 token reads 7,626,752 B of int4_g128 weights vs 14,684,160 B FP8.
    const ModelSpec& v3 = find_model("deepseek_v3");
    const OpSpec* down  = nullptr;
    for (const OpSpec& op : v3.moe_layer_ops)
        if (op.name == "expert_down") down = &op;
    ASSERT_NE(down, nullptr);
    OpShape s;
    s.num_local_experts = 1;
    s.tokens_per_expert = 1;
    s.weight_precision  = Precision::Int4G128;
    EXPECT_DOUBLE_EQ(down->bytes(s), 7'626'752.0 + 2048 * 2 + 7168 * 2); // + BF16 input row + output row
    s.weight_precision = Precision::Fp8E4m3;
    EXPECT_DOUBLE_EQ(down->bytes(s), 2048.0 * 7168 + 16 * 56 * 4 + (2048 + 16 * 4) + 7168 * 2);
}
