// SPDX-License-Identifier: Apache-2.0
// Training ops (engine/training_ops.hpp), the calibration file (engine/calibration.hpp) and the roofline
// with fitted factors: FLOPs by hand, strict reading, and the factor's effect on op times.
#include "common/errors.hpp"
#include "engine/calibration.hpp"
#include "engine/model_spec.hpp"
#include "engine/profile.hpp"
#include "engine/roofline.hpp"
#include "engine/training_ops.hpp"
#include "training_test_helpers.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>

namespace moetwin {
namespace {

using ::testing::HasSubstr;

using test::find;
using test::train_shape;

TEST(TrainingOps, GradientsOfEveryGemmWithHandFlops) {
    const ModelSpec& m            = find_model("deepseek_v3");
    const std::vector<OpSpec> ops = make_training_ops(m);
    const OpShape s               = train_shape();
    // q_a_proj: 2·4096·7168·1536 in each pass; the dgrad is [4096, 1536]·[1536, 7168].
    const OpSpec& d = find(ops, "q_a_proj_dgrad");
    EXPECT_DOUBLE_EQ(d.flops(s), 2.0 * 4096 * 7168 * 1536);
    EXPECT_EQ(d.in_features, 1536);
    EXPECT_EQ(d.out_features, 7168);
    EXPECT_EQ(d.pass, OpPass::InputGrad);
    const OpSpec& w = find(ops, "q_a_proj_wgrad");
    EXPECT_DOUBLE_EQ(w.flops(s), 2.0 * 4096 * 7168 * 1536);
    const GemmDims g = w.gemm_dims(s);
    EXPECT_EQ(g.groups, 1);
    EXPECT_EQ(g.m, 1536);
    EXPECT_EQ(g.n, 7168);
    EXPECT_EQ(g.k, 4096);
    // Grouped: 4 experts × 8192 rows × 7168 × 4096; the wgrad is 4 groups of [4096, 8192]·[8192, 7168].
    const OpSpec& eg = find(ops, "expert_gate_up_wgrad");
    EXPECT_DOUBLE_EQ(eg.flops(s), 2.0 * 4 * 8192 * 7168 * 4096);
    EXPECT_EQ(eg.gemm_dims(s).groups, 4);
    EXPECT_EQ(eg.gemm_dims(s).k, 8192);
    EXPECT_EQ(eg.kind, OpKind::GroupedGemm);
    // kv_b_proj in prefill expands every context token: rows = requests × kv_len.
    EXPECT_DOUBLE_EQ(find(ops, "kv_b_proj_dgrad").flops(s), 2.0 * 4096 * 512 * 128 * 256);
    // The BF16 gate's gradients are BF16 GEMMs.
    EXPECT_FALSE(find(ops, "moe_gate_wgrad").quantized);
    // Attention backward: 2.5 × the causal forward.
    const OpSpec& fwd = find(m.moe_layer_ops, "mla_prefill");
    EXPECT_DOUBLE_EQ(find(ops, "mla_prefill_bwd").flops(s), 2.5 * fwd.flops(s));
    // Recomputation (tech report §3.3.3): every norm and the two MLA up-projections, nothing else.
    int recomputed = 0, glue_recomputed = 0;
    for (const OpSpec& o : ops)
        if (o.pass == OpPass::Recompute)
            ++(o.kind == OpKind::Gemm || o.kind == OpKind::Norm ? recomputed : glue_recomputed);
    EXPECT_EQ(recomputed, 4 + 2); // attn_norm, q_a_norm, kv_a_norm, ffn_norm, q_b_proj, kv_b_proj
    // With them their glue: q_b/kv_b input casts and scale transposes, ffn_input_cast, RoPE, K assembly and
    // the split of kv_a's output.
    EXPECT_EQ(glue_recomputed, 4 + 1 + 1 + 1 + 1);
    EXPECT_EQ(forward_op_of("kv_b_proj_recompute"), "kv_b_proj");
    EXPECT_EQ(forward_op_of("q_a_proj"), "q_a_proj");
}

TEST(TrainingOps, AreValidProfileRecords) {
    ProfileFile f;
    f.model = "deepseek_v3";
    OpProfile r;
    r.op       = "o_proj_wgrad";
    r.impl     = "trace:wgrad_gemm_fp8";
    r.shape    = train_shape();
    r.median_s = r.p10_s = r.p90_s = 1.466e-3;
    r.samples                      = 4;
    r.gpu                          = "NVIDIA H800";
    r.num_sms                      = 112;
    f.records.push_back(r);
    const ProfileTable table(f, "p.json", nullptr);
    const std::vector<OpSpec> ops = make_training_ops(find_model("deepseek_v3")); // outlives `op` (ASan found
    const OpSpec& op              = find(ops, "o_proj_wgrad");                    // a reference into a temporary)
    EXPECT_DOUBLE_EQ(table.op_time(op, train_shape(), 112).seconds, 1.466e-3);
}

CalibrationFile one_factor(CalibrationFamily family, int sms, double value) {
    CalibrationFile f;
    f.trace       = "t.json";
    f.gpu_num_sms = 132;
    f.factors.push_back({.family = family, .num_sms = sms, .value = value});
    return f;
}

TEST(Calibration, FactorReplacesItsFamilysConstant) {
    const ModelSpec& m = find_model("deepseek_v3");
    const OpShape s    = train_shape();
    const OpSpec& attn = find(m.moe_layer_ops, "mla_prefill");
    const RooflineModel plain(find_gpu("h800"));
    const double half = plain.efficiency().prefill_attention_compute / 2;
    const RooflineModel cal(find_gpu("h800"), {},
                            std::make_shared<CalibrationFile>(one_factor(CalibrationFamily::AttentionFwd, 112, half)));
    // Compute-bound: halving the efficiency doubles the time less the 2 µs kernel overhead.
    const double t0 = plain.op_time(attn, s, 112).seconds - 2e-6, t1 = cal.op_time(attn, s, 112).seconds - 2e-6;
    EXPECT_NEAR(t1 / t0, 2.0, 1e-9);
    // Other families and the nearest SM count: a factor fitted at 112 SMs also serves 132.
    EXPECT_NEAR((cal.op_time(attn, s, 132).seconds - 2e-6) / (plain.op_time(attn, s, 132).seconds - 2e-6), 2.0, 1e-9);
    const OpSpec& gemm = find(m.moe_layer_ops, "o_proj");
    EXPECT_DOUBLE_EQ(cal.op_time(gemm, s, 112).seconds, plain.op_time(gemm, s, 112).seconds);
}

TEST(Calibration, JsonRoundTripAndStrictErrors) {
    CalibrationFile f          = one_factor(CalibrationFamily::GemmFp8, 112, 0.61);
    f.factors[0].default_value = 0.74;
    f.factors[0].fitted_from.push_back(
        {.op = "q_a_proj", .stage = "attn(F)", .occurrences = 4, .kernels = 4, .median_us = 101.5});
    f.deepep.push_back({.kernel        = "deepep_dispatch",
                        .stage         = "dispatch(F)",
                        .num_sms       = 20,
                        .kernels       = 4,
                        .median_us     = 4604,
                        .bytes_per_gpu = 1e8,
                        .bytes_formula = "x",
                        .GBps          = 21.7});
    const std::string text   = to_calibration_json(f);
    const CalibrationFile in = parse_calibration_json(text, "c.json");
    ASSERT_EQ(in.factors.size(), 1u);
    EXPECT_EQ(in.factors[0].family, CalibrationFamily::GemmFp8);
    EXPECT_DOUBLE_EQ(in.factors[0].value, 0.61);
    EXPECT_EQ(in.factors[0].fitted_from[0].op, "q_a_proj");
    EXPECT_EQ(in.deepep[0].num_sms, 20);
    EXPECT_EQ(to_calibration_json(in), text);

    const auto error = [](const std::string& t) {
        try {
            parse_calibration_json(t, "c.json");
        } catch (const ConfigError& e) {
            return std::string(e.what());
        }
        return std::string("(no error)");
    };
    EXPECT_THAT(error("{\n\"format\": }"), HasSubstr("c.json:2:11: invalid JSON: syntax error"));
    std::string bad = text;
    bad.replace(bad.find("\"gemm_fp8\""), 10, "\"gemm_fp4\"");
    EXPECT_THAT(error(bad), HasSubstr("c.json: factors[0].family: unknown calibration family 'gemm_fp4'"));
    bad = text;
    bad.replace(bad.find("\"version\": 1"), 12, "\"version\": 2");
    EXPECT_THAT(error(bad), HasSubstr("c.json: version: expected 1, got 2"));
    bad = text;
    bad.replace(bad.find("\"value\": 0.61"), 13, "\"value\": 1.61");
    EXPECT_THAT(error(bad), HasSubstr("c.json: factors[0].value: 1.61 is out of range [0, 1]"));
    bad = text;
    bad.replace(bad.find("\"parameter\": \"gemm_compute\""), 27, "\"parameter\": \"attention_compute\"");
    EXPECT_THAT(error(bad), HasSubstr("factors[0].parameter: family gemm_fp8 fits \"gemm_compute\""));
}

} // namespace
} // namespace moetwin
