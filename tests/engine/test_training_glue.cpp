// SPDX-License-Identifier: Apache-2.0
// The glue of FP8 training (engine/training_ops.hpp, training_glue.cpp): bytes by hand for DeepSeek-V3 at
// the traced shape (4096 tokens, 4 local experts × 8192 rows, 30,000 received tokens), the kinds and
// passes, BF16 training without casts, and each glue kind in its calibration family.
#include "engine/calibration.hpp"
#include "engine/model_spec.hpp"
#include "engine/roofline.hpp"
#include "engine/training_ops.hpp"
#include "training_test_helpers.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <set>

namespace moetwin {
namespace {

using test::find;

OpShape traced() {
    OpShape s         = test::train_shape();
    s.received_tokens = 30000;
    return s;
}

TEST(TrainingGlue, BytesByHand) {
    const std::vector<OpSpec> ops = make_training_ops(find_model("deepseek_v3"));
    const OpShape s               = traced();
    const auto bytes              = [&](const char* name) { return find(ops, name).bytes(s); };
    // dY of o_proj [4096 x 7168] per token to FP8: read 2 B, write 1 B + one fp32 scale per 128 values.
    EXPECT_DOUBLE_EQ(bytes("o_proj_dgrad_input_cast"), 4096.0 * (2 * 7168 + 7168 + 56 * 4));
    EXPECT_DOUBLE_EQ(bytes("o_proj_dgrad_input_transpose"), 4096.0 * 56 * 4 * 2);
    // o_proj's FP8 weights [7168 x 16384] read and written once.
    EXPECT_DOUBLE_EQ(bytes("o_proj_weight_transpose"), 2.0 * 16384 * 7168);
    // The experts' weights: one matrix per local expert.
    EXPECT_DOUBLE_EQ(bytes("expert_gate_up_weight_transpose"), 2.0 * 4 * 7168 * 4096);
    // Per-channel cast-and-transpose of shared_gate_up's BF16 input [4096 x 7168]: read 2 B, write 1 B and
    // one scale per 128 rows of a column (32 x 7168).
    EXPECT_DOUBLE_EQ(bytes("shared_gate_up_wgrad_input_cast"), 4096.0 * 7168 * 2 + 4096.0 * 7168 + 32.0 * 7168 * 4);
    // The routed experts' dY comes through DeepEP in FP8: read 7168 + 56·4 B per row (32,768 rows).
    EXPECT_DOUBLE_EQ(bytes("expert_down_wgrad_grad_cast"), 32768.0 * 7392 + 32768.0 * 7168 + 256.0 * 7168 * 4);
    // ...and so do the tokens the first expert GEMM reads; its dY (the SwiGLU backward's output) is BF16.
    EXPECT_DOUBLE_EQ(bytes("expert_gate_up_wgrad_input_cast"), 32768.0 * 7392 + 32768.0 * 7168 + 256.0 * 7168 * 4);
    EXPECT_DOUBLE_EQ(bytes("expert_gate_up_wgrad_grad_cast"), 32768.0 * 4096 * 3 + 256.0 * 4096 * 4);
    // FP8 activation caches: the gate/up outputs and the attention output [4096 x 128·128].
    EXPECT_DOUBLE_EQ(bytes("expert_gate_up_output_cache"), 32768.0 * (2 * 4096 + 4096 + 32 * 4));
    EXPECT_DOUBLE_EQ(bytes("expert_gate_up_output_cast_back"), bytes("expert_gate_up_output_cache"));
    EXPECT_DOUBLE_EQ(bytes("attn_output_cache"), 4096.0 * (2 * 16384 + 16384 + 128 * 4));
    // K for FlashAttention: k_nope [128 heads x 128] read, k_pe [64] read, [128 x 192] written, BF16.
    EXPECT_DOUBLE_EQ(bytes("mla_k_assembly"), 4096.0 * (128 * 128 * 2 + 64 * 2 + 128 * 192 * 2));
    // Router: 64 B per fp32 score; permutation index: 4 CTAs x 30,000 received tokens x 8 int64 indices x 2.
    EXPECT_DOUBLE_EQ(bytes("moe_gate_topk"), 64.0 * 4096 * 256);
    EXPECT_DOUBLE_EQ(bytes("moe_permute_index"), 2.0 * 4 * 30000 * 8 * 8);
    // Gradients of the permutation and reduce: FP8 dispatch rows expanded, BF16 expert rows reduced.
    EXPECT_DOUBLE_EQ(bytes("moe_reduce_bwd"), (30000.0 + 32768) * 7392);
    EXPECT_DOUBLE_EQ(bytes("moe_permute_bwd"), (32768.0 + 30000) * 7168 * 2);
    EXPECT_DOUBLE_EQ(bytes("ffn_norm_grad_sum"), 3.0 * 4096 * 7168 * 2);
    EXPECT_DOUBLE_EQ(bytes("kv_a_output_split"), 2.0 * 4096 * 576 * 2);
    // Recomputed glue moves what the forward op moves.
    const ModelSpec& m = find_model("deepseek_v3");
    EXPECT_DOUBLE_EQ(bytes("q_b_input_cast_recompute"), find(m.moe_layer_ops, "q_b_input_cast").bytes(s));
    EXPECT_DOUBLE_EQ(bytes("attn_rotary_bwd"), find(m.moe_layer_ops, "attn_rotary").bytes(s));
}

TEST(TrainingGlue, KindsPassesAndNames) {
    const std::vector<OpSpec> ops = make_training_ops(find_model("deepseek_v3"));
    EXPECT_EQ(find(ops, "o_proj_weight_transpose").kind, OpKind::WeightTranspose);
    EXPECT_EQ(find(ops, "o_proj_weight_transpose").pass, OpPass::InputGrad);
    EXPECT_EQ(find(ops, "q_a_proj_wgrad_input_cast").pass, OpPass::WeightGrad);
    EXPECT_EQ(find(ops, "attn_output_cache").pass, OpPass::Forward);
    EXPECT_EQ(find(ops, "moe_gate_topk").kind, OpKind::Routing);
    EXPECT_EQ(find(ops, "moe_permute_index").kind, OpKind::PermuteIndex);
    EXPECT_EQ(find(ops, "moe_reduce_bwd").kind, OpKind::Permute);
    EXPECT_EQ(find(ops, "moe_permute_bwd").kind, OpKind::Reduce);
    EXPECT_EQ(forward_op_of("expert_down_wgrad_grad_cast"), "expert_down");
    EXPECT_EQ(forward_op_of("q_b_proj_dgrad_input_transpose"), "q_b_proj");
    EXPECT_EQ(forward_op_of("shared_gate_up_output_cast_back"), "shared_gate_up");
    // Each name once; the router's BF16 gate has no FP8 glue.
    std::set<std::string> names;
    for (const OpSpec& o : ops)
        EXPECT_TRUE(names.insert(o.name).second) << o.name;
    EXPECT_FALSE(names.count("moe_gate_weight_transpose"));
    // Inference op lists are untouched: no training glue among them.
    for (const OpSpec& o : find_model("deepseek_v3").moe_layer_ops)
        EXPECT_NE(o.kind, OpKind::WeightTranspose) << o.name;
}

TEST(TrainingGlue, Bf16TrainingCastsNothing) {
    const std::vector<OpSpec> ops = make_training_ops(find_model("deepseek_v3"));
    OpShape s                     = traced();
    s.weight_precision            = Precision::Bf16;
    for (const char* name : {"o_proj_dgrad_input_cast", "o_proj_weight_transpose", "q_a_proj_wgrad_input_cast",
                             "attn_output_cache", "o_proj_dgrad_input_transpose"})
        EXPECT_EQ(find(ops, name).bytes(s), 0.0) << name;
}

TEST(TrainingGlue, EachGlueKindHasItsCalibrationFamily) {
    const std::vector<OpSpec> ops                          = make_training_ops(find_model("deepseek_v3"));
    const OpShape s                                        = traced();
    const std::pair<const char*, CalibrationFamily> rows[] = {
        {"o_proj_dgrad_input_cast", CalibrationFamily::Cast},
        {"o_proj_dgrad_input_transpose", CalibrationFamily::Transpose},
        {"o_proj_weight_transpose", CalibrationFamily::WeightTranspose},
        {"attn_rotary_bwd", CalibrationFamily::Rotary},
        {"moe_reduce_bwd", CalibrationFamily::Permute},
        {"moe_permute_index", CalibrationFamily::PermuteIndex},
        {"moe_permute_bwd", CalibrationFamily::Reduce},
        {"moe_gate_topk", CalibrationFamily::Routing},
        {"mla_k_assembly", CalibrationFamily::Elementwise},
    };
    for (const auto& [name, family] : rows) {
        const auto f = calibration_family(find(ops, name), s);
        ASSERT_TRUE(f) << name;
        EXPECT_EQ(*f, family) << name;
        EXPECT_EQ(parse_calibration_family(to_string(family)), family);
    }
    // A fitted weight_transpose factor times the op at bytes / (HBM · factor) + the kernel overhead.
    CalibrationFile file;
    file.factors.push_back({.family = CalibrationFamily::WeightTranspose, .num_sms = 112, .value = 0.5});
    const RooflineModel cal(find_gpu("h800"), {}, std::make_shared<CalibrationFile>(file));
    const OpSpec& wt = find(ops, "o_proj_weight_transpose");
    EXPECT_NEAR(cal.op_time(wt, s, 112).seconds, wt.bytes(s) / (3.35e12 * 0.5) + 2e-6, 1e-12);
    EXPECT_EQ(fitted_parameter(CalibrationFamily::WeightTranspose), "weight_transpose_memory");
}

} // namespace
} // namespace moetwin
