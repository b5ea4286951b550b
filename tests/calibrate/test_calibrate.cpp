// SPDX-License-Identifier: Apache-2.0
// The importer on a hand-made trace: two stages, an FP8 GEMM and a cast launched by the annotated thread, an
// elementwise kernel launched by another thread (autograd's worker), an unclassified kernel and a DeepEP
// dispatch that holds 20 SMs while the GEMM runs. Attribution, spans, the op's SMs, the fitted efficiency
// and the DeepEP bandwidth are checked against numbers computed here from first principles.
#include "common/errors.hpp"
#include "engine/model_spec.hpp"
#include "engine/roofline.hpp"
#include "sim/calibrate/calibrate.hpp"
#include "trace_builder.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

namespace moetwin::calib {
extern const char* const kTracedScenarioJson;
namespace {

using test::TraceBuilder;

constexpr RecipeEntry kRecipe[] = {{"attn(F)", KernelFamily::GemmFp8, 1, "q_a_proj"}};

ProfilerTrace small_trace() {
    TraceBuilder b;
    b.annotation("attn(F)", 1, 0, 100);
    b.annotation("dispatch(F)", 1, 100, 50);
    b.launch(1, 1, 10);
    b.kernel(1, "void cuda::per_token_cast_to_fp8_with_channels<__nv_bfloat16, 128>(...)", 7, 1000, 20, {4096, 1, 1});
    b.launch(2, 1, 20);
    b.kernel(2, "void cutlass::device_kernel<dpsk::grouped_gemm::cuda::fp8_ptp128c::GemmKernel>(...)", 7, 1025, 100,
             {112, 1, 1});
    b.launch(3, 1, 110);
    b.kernel(3, "void dpsk::ep::internode::dispatch<false, 8, false, 8>(...)", 27, 1030, 200, {20, 1, 1});
    b.launch(4, 2, 30); // another thread of the process, no annotation of its own: attn(F) encloses the launch
    b.kernel(4, "void at::native::vectorized_elementwise_kernel<4, at::native::FillFunctor<float>>", 7, 1130, 5);
    b.launch(5, 1, 40);
    b.kernel(5, "mystery_kernel", 7, 1140, 3);
    return parse_profiler_trace(b.text(), "small.json");
}

Scenario traced_scenario() {
    return parse_scenario(kTracedScenarioJson, "traced.json");
}

TEST(Calibrate, AttributesEveryKernelAndMeasuresSpans) {
    const CalibrationResult r = calibrate_trace(small_trace(), traced_scenario(), kRecipe, "test");
    EXPECT_EQ(r.kernels_total, 5);
    EXPECT_EQ(r.kernels_attributed, 5);
    ASSERT_EQ(r.stages.size(), 2u);
    EXPECT_EQ(r.stages[0].name, "attn(F)");
    EXPECT_DOUBLE_EQ(r.stages[0].span_us.at(0), 1143 - 1000);      // cast start .. unclassified end
    EXPECT_DOUBLE_EQ(r.stages[0].busy_us.at(0), 20 + 100 + 5 + 3); // no overlap among them
    // The cast and the fill, the fill charged the 5 µs launch gap after the GEMM (no kernel ran).
    EXPECT_DOUBLE_EQ(r.stages[0].glue_us, 20 + (5 + 5));
    EXPECT_DOUBLE_EQ(r.stages[0].unclassified_us, 3);
    EXPECT_EQ(r.stages[1].name, "dispatch(F)");
    EXPECT_DOUBLE_EQ(r.stages[1].span_us.at(0), 200);
    EXPECT_DOUBLE_EQ(r.stages[1].comm_us, 200);
    ASSERT_EQ(r.unclassified.size(), 1u);
    EXPECT_EQ(r.unclassified[0].name, "mystery_kernel");
    EXPECT_EQ(r.unclassified[0].stage, "attn(F)");
    ASSERT_EQ(r.glue.size(), 2u);
    ASSERT_EQ(r.ops.size(), 1u);
    EXPECT_EQ(r.ops[0].op, "q_a_proj");
    EXPECT_EQ(r.ops[0].num_sms, 132 - 20);         // DeepEP's 20 CTAs overlap the GEMM
    EXPECT_DOUBLE_EQ(r.ops[0].median_us, 100 + 5); // its kernel and the 5 µs gap after the cast
}

TEST(Calibrate, FitsTheGemmEfficiencyByHand) {
    const Scenario s          = traced_scenario();
    const CalibrationResult r = calibrate_trace(small_trace(), s, kRecipe, "test");
    ASSERT_EQ(r.calibration.factors.size(), 1u);
    const EfficiencyFactor& f = r.calibration.factors[0];
    EXPECT_EQ(f.family, CalibrationFamily::GemmFp8);
    EXPECT_EQ(f.num_sms, 112);
    // q_a_proj at 4096 tokens: M = 4096, N = 1536, K = 7168. The GEMM law (roofline.cpp) solved for e_c:
    // t - t0 = sqrt(tc² + tm²), tc = F·(K + 256)/K / (peak·112/132·e_c·wave), wave = 384 tiles / (4 × 112).
    const ModelSpec& m = find_model("deepseek_v3");
    const OpSpec* op   = nullptr;
    for (const OpSpec& o : m.moe_layer_ops)
        if (o.name == "q_a_proj") op = &o;
    ASSERT_NE(op, nullptr);
    const OpShape shape = traced_shape(s);
    const double F = 2.0 * 4096 * 7168 * 1536, B = op->bytes(shape);
    EXPECT_DOUBLE_EQ(op->flops(shape), F);
    const double tm   = B / (3.35e12 * 0.90);                            // 384 tiles >= 24: HBM saturated
    const double tc   = std::sqrt(std::pow(105e-6 - 2e-6, 2) - tm * tm); // measured 100 µs + 5 µs launch gap
    const double wave = 384.0 / (4 * 112);
    const double e    = F * (7168.0 + 256) / 7168.0 / (2 * 989.4e12 * 112.0 / 132.0 * wave * tc);
    EXPECT_NEAR(f.value, e, 1e-6);
    EXPECT_NEAR(f.measured_us, 105, 1e-9);
    EXPECT_FALSE(f.clamped);
    // After calibration the op lands on the measurement.
    EXPECT_NEAR(r.ops[0].twin_calibrated_us, 105, 1e-3);
}

TEST(Calibrate, DeepEpBandwidthUsesTheNamedByteFormula) {
    const CalibrationResult r = calibrate_trace(small_trace(), traced_scenario(), kRecipe, "test");
    ASSERT_EQ(r.calibration.deepep.size(), 1u);
    const DeepEpInSitu& d = r.calibration.deepep[0];
    EXPECT_EQ(d.kernel, "deepep_dispatch");
    EXPECT_EQ(d.num_sms, 20);
    // 8 nodes = 8 expert groups of 32; 8 picks among the 128 experts of 4 groups: each group is missed
    // with probability C(96, 8) / C(128, 8).
    double miss = 1;
    for (int i = 0; i < 8; ++i)
        miss *= (96.0 - i) / (128.0 - i);
    const double nodes = 4 * (1 - miss);
    EXPECT_NEAR(nodes, 3.62, 0.01);
    const double bytes = 4096 * nodes * (7168 * 2 * (1 + 4.0 / 128) / 2); // DeepEP tests' FP8 metric: 7,392 B
    EXPECT_NEAR(d.bytes_per_gpu, bytes, 1e-3);
    EXPECT_NEAR(d.GBps, bytes / 200e-6 / 1e9, 1e-9);
    EXPECT_THAT(d.bytes_formula, ::testing::HasSubstr("normal_metric_bytes_per_token"));
}

TEST(Calibrate, RejectsARecipeOpTheModelLacks) {
    constexpr RecipeEntry bad[] = {{"attn(F)", KernelFamily::GemmFp8, 1, "no_such_op"}};
    EXPECT_THROW(calibrate_trace(small_trace(), traced_scenario(), bad, "test"), ConfigError);
}

} // namespace
} // namespace moetwin::calib
