// SPDX-License-Identifier: Apache-2.0
// The kernels around the GEMMs (engine/layer_ops.hpp, attention_ops.cpp, ffn_ops.cpp): FP8 casts and
// scale transposes, RoPE, the permutation and weighted reduce around the routed experts, sampling and
// the MTP head, each against a hand computation; and the roofline's efficiencies against the
// DeepSeek H800 trace figures they were read from (engine/roofline.hpp).
#include "engine/model_spec.hpp"
#include "engine/roofline.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

using namespace moetwin;

namespace {

const OpSpec& op_named(const std::vector<OpSpec>& ops, std::string_view name) {
    for (const auto& op : ops)
        if (op.name == name) return op;
    throw std::runtime_error("no op " + std::string(name));
}

const ModelSpec& v3() {
    return find_model("deepseek_v3");
}

OpShape tokens(int64_t n) {
    OpShape s;
    s.num_tokens   = n;
    s.num_requests = n;
    s.kv_len       = 4096;
    return s;
}

} // namespace

TEST(GlueOps, Fp8CastsMoveBf16InAndFp8PlusScalesOut) {
    const auto& ops = v3().moe_layer_ops;
    const OpShape s = tokens(4096);
    // [4096 x 7168]: read 2 B, write 1 B + one fp32 per 128 values: 4096 * (14336 + 7168 + 224).
    EXPECT_DOUBLE_EQ(op_named(ops, "attn_input_cast").bytes(s), 4096.0 * (14336 + 7168 + 224));
    EXPECT_DOUBLE_EQ(op_named(ops, "attn_input_cast").flops(s), 3.0 * 4096 * 7168);
    EXPECT_DOUBLE_EQ(op_named(ops, "q_b_input_cast").bytes(s), 4096.0 * (3072 + 1536 + 48));
    EXPECT_DOUBLE_EQ(op_named(ops, "ffn_input_cast").bytes(s), 4096.0 * (14336 + 7168 + 224));
    // o_proj input: 128 heads x 128 v dims = 16384 values; TP 4 keeps 32 heads = 4096 values.
    EXPECT_DOUBLE_EQ(op_named(ops, "o_proj_input_cast").bytes(s), 4096.0 * (32768 + 16384 + 512));
    OpShape tp      = s;
    tp.attn_tp_size = 4;
    EXPECT_DOUBLE_EQ(op_named(ops, "o_proj_input_cast").bytes(tp), 4096.0 * (8192 + 4096 + 128));
    // kv_b's input in prefill: every context token's 512-value latent (2 requests x 3000 tokens).
    OpShape pre                  = s;
    pre.phase                    = Phase::Prefill;
    pre.num_requests             = 2;
    pre.kv_len                   = 3000;
    pre.query_tokens_per_request = 3000;
    pre.num_tokens               = 6000;
    EXPECT_DOUBLE_EQ(op_named(ops, "kv_b_input_cast").bytes(pre), 6000.0 * (1024 + 512 + 16));
    // BF16 weights take BF16 inputs: no cast; the MoE input cast still feeds an FP8 dispatch.
    OpShape bf16          = s;
    bf16.weight_precision = Precision::Bf16;
    EXPECT_DOUBLE_EQ(op_named(ops, "attn_input_cast").bytes(bf16), 0.0);
    EXPECT_DOUBLE_EQ(op_named(ops, "ffn_input_cast").bytes(bf16), 4096.0 * (14336 + 7168 + 224));
    bf16.dispatch_precision = Precision::Bf16;
    EXPECT_DOUBLE_EQ(op_named(ops, "ffn_input_cast").bytes(bf16), 0.0);
}

TEST(GlueOps, ScaleTransposesMoveTheFp32ScalesTwice) {
    const auto& ops = v3().moe_layer_ops;
    const OpShape s = tokens(4096);
    EXPECT_DOUBLE_EQ(op_named(ops, "attn_input_transpose").bytes(s), 4096.0 * 56 * 4 * 2);
    EXPECT_DOUBLE_EQ(op_named(ops, "q_b_input_transpose").bytes(s), 4096.0 * 12 * 4 * 2);
    EXPECT_DOUBLE_EQ(op_named(ops, "shared_down_input_transpose").bytes(s), 4096.0 * 16 * 4 * 2); // 2048 / 128
    EXPECT_DOUBLE_EQ(op_named(v3().dense_layer_ops, "dense_down_input_transpose").bytes(s), 4096.0 * 144 * 4 * 2);
    EXPECT_DOUBLE_EQ(op_named(ops, "attn_input_transpose").flops(s), 0.0);
}

TEST(GlueOps, RotaryCoversEveryQueryHeadAndTheSharedKey) {
    const OpSpec& rope = op_named(v3().moe_layer_ops, "attn_rotary");
    const OpShape s    = tokens(100);
    // (128 q_pe heads + 1 k_pe) x 64 values per token, BF16 read and written in place.
    EXPECT_DOUBLE_EQ(rope.bytes(s), 100.0 * 129 * 64 * 4);
    EXPECT_DOUBLE_EQ(rope.flops(s), 100.0 * 129 * 64 * 3);
    // Qwen3 (GQA): 64 query + 4 KV heads, the whole 128-value head rotated.
    const OpSpec& q = op_named(find_model("qwen3_235b_a22b").moe_layer_ops, "attn_rotary");
    EXPECT_DOUBLE_EQ(q.bytes(s), 100.0 * 68 * 128 * 4);
}

TEST(GlueOps, PermuteAndReduceFollowReceivedTokensAndExpertRows) {
    const auto& ops       = v3().moe_layer_ops;
    const OpSpec& permute = op_named(ops, "moe_permute");
    const OpSpec& reduce  = op_named(ops, "moe_reduce");
    EXPECT_TRUE(permute.normal_comm_only);
    EXPECT_TRUE(reduce.normal_comm_only);
    // The trace's layer: 4 local experts, 31104 rows from 28984 distinct received tokens.
    OpShape s;
    s.num_tokens        = 4096;
    s.num_local_experts = 4;
    s.tokens_per_expert = 7776;
    s.received_tokens   = 28984;
    EXPECT_DOUBLE_EQ(permute.bytes(s), (28984.0 + 31104.0) * 7392); // FP8 dispatch rows: 7168 + 224
    EXPECT_DOUBLE_EQ(permute.flops(s), 0.0);
    EXPECT_DOUBLE_EQ(reduce.bytes(s), (31104.0 + 28984.0) * 14336);
    EXPECT_DOUBLE_EQ(reduce.flops(s), 2.0 * 31104 * 7168);
    // Without a received count every row is a distinct token.
    s.received_tokens = 0;
    EXPECT_DOUBLE_EQ(reduce.bytes(s), 2.0 * 31104 * 14336);
    // No weights: parameter counts are unchanged by the new ops.
    for (const OpSpec& op : ops)
        if (op.kind == OpKind::Cast || op.kind == OpKind::Transpose || op.kind == OpKind::Rotary ||
            op.kind == OpKind::Permute || op.kind == OpKind::Reduce || op.kind == OpKind::Sampling)
            EXPECT_EQ(op.params_per_instance, 0) << op.name;
}

TEST(GlueOps, SamplingAndTheMtpHeadReadTheVocabulary) {
    const ModelSpec& m   = v3();
    const OpSpec& sample = op_named(m.head_ops, "sampling");
    OpShape s            = tokens(64);
    // Decode: every token's 129280 logits, 12 B each (BF16 read twice, fp32 written and read).
    EXPECT_DOUBLE_EQ(sample.bytes(s), 64.0 * 129280 * 12);
    EXPECT_DOUBLE_EQ(sample.flops(s), 64.0 * 129280 * 5);
    // Prefill: one row per request.
    s.phase        = Phase::Prefill;
    s.num_requests = 3;
    EXPECT_DOUBLE_EQ(sample.bytes(s), 3.0 * 129280 * 12);
    // The MTP head's lm_head owns no weights (the main model's is shared) but reads them: BF16
    // [129280 x 7168] + 64 rows in BF16 + 64 x 129280 logits out.
    const OpSpec& head = op_named(m.mtp_head_ops, "lm_head");
    EXPECT_EQ(head.params_per_instance, 0);
    const OpShape d = tokens(64);
    EXPECT_DOUBLE_EQ(head.bytes(d), 129280.0 * 7168 * 2 + 64.0 * 7168 * 2 + 64.0 * 129280 * 2);
    EXPECT_DOUBLE_EQ(head.flops(d), 2.0 * 64 * 7168 * 129280);
    // mtp_params: eh_proj + three norms + one MoE layer, as before the head ops moved.
    EXPECT_EQ(m.mtp_params(), sum_params(m.moe_layer_ops, false, m.top_k) + 2 * 7168 * 7168 + 3 * 7168);
}

// engine/roofline.hpp: prefill attention's efficiency is the trace's flash::compute_attn_ws forward
// on 112 SMs: 4096-token causal sequence, 128 heads, d_qk 192, d_v 128: 1248, 1199, 1280, 1221 µs.
TEST(RooflineFamilies, PrefillAttentionReproducesTheTracedForwardKernel) {
    const RooflineModel model(find_gpu("h800"));
    const OpSpec& attn = op_named(v3().moe_layer_ops, "mla_prefill");
    OpShape s;
    s.phase                    = Phase::Prefill;
    s.num_tokens               = 4096;
    s.num_requests             = 1;
    s.kv_len                   = 4096;
    s.query_tokens_per_request = 4096;
    const double flops         = 2.0 * 128 * 320 * 4096.0 * 4097 / 2;
    ASSERT_DOUBLE_EQ(attn.flops(s), flops);
    const double t = model.op_time(attn, s, 112).seconds;
    EXPECT_NEAR(t, 1237e-6, 0.01 * 1237e-6); // the mean of the four kernels
    for (double traced_us : {1248.0, 1199.0, 1280.0, 1221.0})
        EXPECT_NEAR(t / (traced_us * 1e-6), 1.0, 0.04) << traced_us;
    // Not FlashMLA's decode figure: the same FLOPs at attention_compute take another time.
    EXPECT_NE(model.efficiency().prefill_attention_compute, model.efficiency().attention_compute);
}

// Each memory-bound family at a traced shape against the trace's kernel (µs, roofline within 6 %).
TEST(RooflineFamilies, MemoryBoundFamiliesReproduceTheTracedKernels) {
    const RooflineModel model(find_gpu("h800"));
    const ModelSpec& m = v3();
    const OpShape s    = tokens(4096);
    const auto us = [&](const OpSpec& op, const OpShape& shape) { return model.op_time(op, shape, 112).seconds * 1e6; };
    // per_token_cast_to_fp8_with_channels [4096 x 7168]: median of 21 kernels 51 µs.
    EXPECT_NEAR(us(op_named(m.moe_layer_ops, "attn_input_cast"), s) / 51.0, 1.0, 0.06);
    // ... [4096 x 16384] (o_proj input): 94-114 µs, median 110.5.
    EXPECT_NEAR(us(op_named(m.moe_layer_ops, "o_proj_input_cast"), s) / 110.5, 1.0, 0.06);
    // ln_fwd_kernel [4096 x 7168]: median of 16 kernels 115 µs.
    EXPECT_NEAR(us(op_named(m.moe_layer_ops, "attn_norm"), s) / 115.0, 1.0, 0.06);
    // utils::transpose of [4096 x 56] scales: median of 9 kernels 10 µs.
    EXPECT_NEAR(us(op_named(m.moe_layer_ops, "attn_input_transpose"), s) / 10.0, 1.0, 0.06);
    // expand_to_fused_with_scales and reduce_fused of one layer: 32512 rows, 30048 tokens: 174, 340 µs.
    OpShape e           = s;
    e.num_local_experts = 4;
    e.tokens_per_expert = 8128;
    e.received_tokens   = 30048;
    EXPECT_NEAR(us(op_named(m.moe_layer_ops, "moe_permute"), e) / 174.0, 1.0, 0.06);
    EXPECT_NEAR(us(op_named(m.moe_layer_ops, "moe_reduce"), e) / 340.0, 1.0, 0.06);
    // swiglu_forward_with_weight_and_per_token_cast of the routed experts, 30976 rows: 131 µs.
    OpShape w           = s;
    w.num_local_experts = 4;
    w.tokens_per_expert = 7744;
    EXPECT_NEAR(us(op_named(m.moe_layer_ops, "expert_swiglu"), w) / 131.0, 1.0, 0.06);
}
