// SPDX-License-Identifier: Apache-2.0
// Model catalogue: parameter totals against published figures, KV bytes per token, and the
// flop/byte formulas of a few ops against hand-computed values.
#include "engine/model_spec.hpp"

#include "common/errors.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <sstream>

namespace moetwin {
namespace {

const OpSpec& op(const std::vector<OpSpec>& ops, std::string_view name) {
    for (const OpSpec& o : ops)
        if (o.name == name) return o;
    ADD_FAILURE() << "no op " << name;
    return ops.front();
}

double rel(double value, double expected) {
    return std::abs(value - expected) / expected;
}

TEST(ModelCatalogue, EveryNameFindsItsEntryAndUnknownNamesListThemAll) {
    // Properties, not a pinned list: adding a model needs no edit here.
    std::set<std::string> names;
    for (const ModelSpec& m : model_catalogue()) {
        EXPECT_TRUE(names.insert(m.name).second) << "duplicate " << m.name;
        EXPECT_EQ(&find_model(m.name), &m);
    }
    EXPECT_TRUE(names.count("deepseek_v3")); // the default scenario's model
    try {
        find_model("deepseek_v4");
        FAIL() << "expected ConfigError";
    } catch (const ConfigError& e) {
        const std::string what = e.what();
        EXPECT_EQ(what.rfind("\"deepseek_v4\" is not a known model (did you mean \"deepseek_v3\"?); known: ", 0), 0u)
            << what;
        for (const std::string& n : names)
            EXPECT_NE(what.find(n), std::string::npos) << what;
    }
}

TEST(ModelSpec, DeepSeekV3TotalsMatchPublishedFigures) {
    const ModelSpec& m = find_model("deepseek_v3");
    // Reference §1.3: 671B total. Our count is 671,026,419,200 (0.004 % off); 1 % is the brief's bound.
    EXPECT_EQ(m.total_params(), 671'026'419'200);
    EXPECT_LT(rel(double(m.total_params()), 671e9), 0.01);
    // Activated: 37,552,297,472 (embedding and head included, as README_WEIGHTS itemises them).
    // Tolerance 1.5 %: "37B" has two significant digits (±0.5B = ±1.35 %) and DeepSeek's own itemised
    // figure is 36.7B, so the published numbers themselves spread ~1 %; 1.5 % still fails if any single
    // component went missing (the smallest, embedding or head, is 0.93B = 2.5 %).
    EXPECT_EQ(m.activated_params(), 37'552'297'472);
    EXPECT_LT(rel(double(m.activated_params()), 37e9), 0.015);
    // MTP: README_WEIGHTS "11.5B unique" = the module's MoE layer (11.507B); eh_proj (2·7168·7168) and
    // its three norms come on top.
    const int64_t moe_layer = sum_params(m.moe_layer_ops, false, m.top_k);
    EXPECT_LT(rel(double(moe_layer), 11.5e9), 0.005);
    EXPECT_EQ(m.mtp_params(), moe_layer + 2 * 7168 * 7168 + 3 * 7168);
    // HF checkpoint 685B = main model + MTP + the embedding and head stored again in layer 61.
    EXPECT_LT(rel(double(m.total_params() + m.mtp_params() + int64_t{2} * 129280 * 7168), 685e9), 0.002);
}

TEST(ModelSpec, DeepSeekV3ComponentsMatchReferenceBreakdown) {
    const ModelSpec& m = find_model("deepseek_v3");
    // Reference §1.3: MLA ≈ 187M per layer = q_a + q_b + kv_a + kv_b + o.
    const int64_t mla = 7168 * 1536 + 1536 * 24576 + 7168 * 576 + 512 * 32768 + 16384 * 7168;
    int64_t gemms     = 0;
    for (const OpSpec& o : m.moe_layer_ops)
        if (o.role == WeightRole::Attention) gemms += o.params_per_instance * o.instances_per_layer;
    EXPECT_EQ(gemms, mla);
    EXPECT_EQ(mla, 187'105'280);
    // One expert = 3 × 7168 × 2048 = 44.04M; 256 routed per MoE layer.
    const OpSpec& up   = op(m.moe_layer_ops, "expert_gate_up");
    const OpSpec& down = op(m.moe_layer_ops, "expert_down");
    EXPECT_EQ(up.params_per_instance + down.params_per_instance, 44'040'192);
    EXPECT_EQ(up.instances_per_layer, 256);
    EXPECT_EQ(op(m.moe_layer_ops, "moe_gate").params_per_instance, 256 * 7168 + 256); // + e_score_correction_bias
}

TEST(ModelSpec, KvCacheBytesPerToken) {
    // Reference §1.3: 61 × (512 + 64) × 2 B = 70,272 B (ISCA'25 Table 1).
    EXPECT_EQ(find_model("deepseek_v3").kv_cache_bytes_per_token(Precision::Bf16), 70'272);
    // FlashMLA FP8 layout: 512 + 4·4 + 64·2 = 656 B per layer (reference §7).
    EXPECT_EQ(find_model("deepseek_v3").kv_cache_bytes_per_token(Precision::Fp8E4m3), 61 * 656);
    EXPECT_EQ(find_model("deepseek_v2").kv_cache_bytes_per_token(Precision::Bf16), 60 * 576 * 2);
    EXPECT_EQ(find_model("kimi_k2").kv_cache_bytes_per_token(Precision::Bf16), 70'272);
    EXPECT_EQ(find_model("qwen3_235b_a22b").kv_cache_bytes_per_token(Precision::Bf16), 94 * 2 * 4 * 128 * 2);
    EXPECT_EQ(find_model("mixtral_8x22b").kv_cache_bytes_per_token(Precision::Bf16), 56 * 2 * 8 * 128 * 2);
    EXPECT_THROW(find_model("deepseek_v3").kv_cache_bytes_per_token(Precision::Int4), ConfigError);
}

// Published totals have three significant digits (236B, 235B, 141B, 1.04T: rounding ≤ 0.5 %), activated
// figures two or three (21B, 22B, 39B: rounding up to ±2.4 %; Kimi's 32.6B). Each tolerance below is
// that rounding plus room for counting conventions (norms, biases), and is stated per model.
struct Published {
    const char* name;
    int64_t total, activated; // our exact counts
    double total_tol, activated_tol;
};

TEST(ModelSpec, OtherModelsMatchPublishedTotals) {
    const Published cases[] = {
        // V2 paper: 236B / 21B. Ours 235.74B (-0.1 %) / 21.38B (+1.8 %, inside 21's ±2.4 % rounding).
        {"deepseek_v2", 235'741'434'880, 21'375'800'320, 0.01, 0.025},
        // Qwen3 report: 235B / 22B. Ours 235.09B (+0.04 %) / 22.19B (+0.9 %).
        {"qwen3_235b_a22b", 235'093'634'560, 22'190'763'520, 0.01, 0.025},
        // Kimi K2 report: 1.04T / 32.6B. Ours 1.0264T (-1.3 %, see kimi_k2.cpp: HF metadata says 1.03T,
        // so the gap is in the announced figure) / 32.86B (+0.8 %). Hence 1.5 % on both.
        {"kimi_k2", 1'026'408'232'448, 32'861'500'928, 0.015, 0.015},
        // Mistral: 141B / 39B. Ours 140.63B (-0.3 %) / 39.16B (+0.4 %); 39's rounding is ±1.3 %.
        {"mixtral_8x22b", 140'630'071'296, 39'161'468'928, 0.01, 0.013},
        // Mistral: 46.7B / 12.9B. Ours 46.70B (the Hugging Face safetensors count exactly) / 12.88B (-0.2 %).
        {"mixtral_8x7b", 46'702'792'704, 12'879'925'248, 0.005, 0.005},
        // xAI: 314B, "25 % of the weights active" (78.5B). Ours 315.68B (+0.5 %: Grok-1's extra norms are
        // not even counted, so the announcement rounds down) / 83.76B (+6.7 %: 25 % is 2 of 8 experts,
        // while attention and the embedding are always active; see grok1.cpp).
        {"grok1", 315'684'034'560, 83'755'800'576, 0.01, 0.07},
        // V2 paper: 15.7B / 2.4B. Ours 15.71B (+0.04 %) / 2.66B (+10.9 %: the 2.4B leaves the 0.21B
        // embedding out, 2.45B; see deepseek_v2_lite.cpp).
        {"deepseek_v2_lite", 15'706'484'224, 2'661'150'208, 0.005, 0.11},
        // Dense models: activated == total. Meta 405B: ours 405.85B (+0.2 %).
        {"llama3_1_405b", 405'853'388'800, 405'853'388'800, 0.005, 0.005},
        // HF 70.6B: ours 70.55B (-0.07 %).
        {"llama3_1_70b", 70'553'706'496, 70'553'706'496, 0.005, 0.005},
        // Qwen2.5-32B card 32.5B: ours 32.76B (+0.8 %; the HF safetensors count is 32.8B, see the model file).
        {"r1_distill_qwen_32b", 32'763'876'352, 32'763'876'352, 0.01, 0.01},
        // Qwen2.5-7B card 7.61B: ours 7.616B (+0.07 %), q/k/v biases included.
        {"r1_distill_qwen_7b", 7'615'616'512, 7'615'616'512, 0.005, 0.005},
    };
    for (const Published& c : cases) {
        const ModelSpec& m = find_model(c.name);
        EXPECT_EQ(m.total_params(), c.total) << c.name;
        EXPECT_EQ(m.activated_params(), c.activated) << c.name;
        EXPECT_LT(rel(double(m.total_params()), m.published_total_params), c.total_tol) << c.name;
        EXPECT_LT(rel(double(m.activated_params()), m.published_activated_params), c.activated_tol) << c.name;
    }
}

TEST(ModelSpec, DenseModelsHaveNoMoeOps) {
    // A dense model is all dense layers: no gate, no dispatch/combine, no experts; activated == total.
    int dense = 0;
    for (const ModelSpec& m : model_catalogue()) {
        if (!m.is_dense()) continue;
        ++dense;
        EXPECT_TRUE(m.moe_layer_ops.empty()) << m.name;
        EXPECT_EQ(m.num_dense_layers, m.num_layers) << m.name;
        EXPECT_EQ(m.total_params(), m.activated_params()) << m.name;
        for (const OpSpec& op : m.dense_layer_ops)
            EXPECT_NE(op.kind, OpKind::Communication) << m.name << " " << op.name;
    }
    EXPECT_GE(dense, 1);
}

TEST(ModelSpec, QkvBiasAddsOneVectorPerProjection) {
    // Qwen2.5-7B: q 28·128 = 3584, k and v 4·128 = 512 each -> 4608 bias values per layer, 28 layers.
    ModelSpec no_bias = find_model("r1_distill_qwen_7b");
    no_bias.qkv_bias  = false;
    build_op_lists(no_bias);
    EXPECT_EQ(find_model("r1_distill_qwen_7b").total_params() - no_bias.total_params(), 28 * 4608);
}

TEST(ModelSpec, Grok1HandCount) {
    // Per layer: 8 experts × 3 × 6144 × 32768 + q/o 2 × 6144² + k/v 2 × 6144 × 1024 + gate 6144 × 8 + two
    // norms 2 × 6144; tied embedding 131072 × 6144 counted once; final norm 6144.
    const int64_t layer =
        8 * 3 * int64_t(6144) * 32768 + 2 * int64_t(6144) * 6144 + 2 * int64_t(6144) * 1024 + 6144 * 8 + 2 * 6144;
    EXPECT_EQ(find_model("grok1").total_params(), 64 * layer + int64_t(131072) * 6144 + 6144);
}

TEST(ModelSpec, OpListsCarryDeepSeekNames) {
    const ModelSpec& m = find_model("deepseek_v3");
    std::vector<std::string> moe;
    for (const OpSpec& o : m.moe_layer_ops)
        moe.push_back(o.name);
    EXPECT_EQ(moe, (std::vector<std::string>{"attn_norm",
                                             "attn_input_cast",
                                             "attn_input_transpose",
                                             "q_a_proj",
                                             "q_a_norm",
                                             "q_b_input_cast",
                                             "q_b_input_transpose",
                                             "q_b_proj",
                                             "kv_a_proj",
                                             "kv_a_norm",
                                             "kv_b_input_cast",
                                             "kv_b_input_transpose",
                                             "kv_b_proj",
                                             "attn_rotary",
                                             "mla_prefill",
                                             "mla_decode",
                                             "o_proj_input_cast",
                                             "o_proj_input_transpose",
                                             "o_proj",
                                             "ffn_norm",
                                             "moe_gate",
                                             "ffn_input_cast",
                                             "dispatch",
                                             "moe_permute",
                                             "expert_gate_up",
                                             "expert_swiglu",
                                             "expert_down",
                                             "moe_reduce",
                                             "combine",
                                             "ffn_input_transpose",
                                             "shared_gate_up",
                                             "shared_swiglu",
                                             "shared_down_input_transpose",
                                             "shared_down"}));
    EXPECT_EQ(op(m.dense_layer_ops, "dense_gate_up").out_features, 2 * 18432);
    for (const OpSpec& o : m.dense_layer_ops)
        EXPECT_NE(o.role, WeightRole::RoutedExpert) << o.name;
    EXPECT_TRUE(runs_in(op(m.moe_layer_ops, "mla_decode"), Phase::Decode));
    EXPECT_FALSE(runs_in(op(m.moe_layer_ops, "mla_decode"), Phase::Prefill));
    EXPECT_TRUE(runs_in(op(m.moe_layer_ops, "q_a_proj"), Phase::Prefill));
    EXPECT_EQ(find_model("qwen3_235b_a22b").dense_layer_ops.size(), 0u);
    EXPECT_EQ(find_model("mixtral_8x22b").moe_layer_ops.back().name, "combine"); // no shared expert
    std::vector<std::string> head, mtp, mtp_head;
    for (const OpSpec& o : m.head_ops)
        head.push_back(o.name);
    for (const OpSpec& o : m.mtp_ops)
        mtp.push_back(o.name);
    for (const OpSpec& o : m.mtp_head_ops)
        mtp_head.push_back(o.name);
    EXPECT_EQ(head, (std::vector<std::string>{"final_norm", "lm_head", "sampling"}));
    EXPECT_EQ(mtp, (std::vector<std::string>{"mtp_enorm", "mtp_hnorm", "mtp_eh_proj"}));
    EXPECT_EQ(mtp_head, (std::vector<std::string>{"mtp_final_norm", "lm_head", "sampling"}));
}

TEST(OpSpec, GemmFlopsAndBytesMatchHandComputation) {
    const ModelSpec& m = find_model("deepseek_v3");
    OpShape s;
    s.num_tokens      = 128;
    const OpSpec& q_a = op(m.moe_layer_ops, "q_a_proj");
    EXPECT_DOUBLE_EQ(q_a.flops(s), 2.0 * 128 * 7168 * 1536);
    // FP8 weight + 56×12 block scales, FP8 input with 1×128 scales, BF16 output.
    EXPECT_DOUBLE_EQ(q_a.bytes(s), (7168.0 * 1536 + 56 * 12 * 4) + 128.0 * (7168 + 56 * 4) + 128.0 * 1536 * 2);
    // Attention TP4 splits o_proj's input (heads): 2·T·(16384/4)·7168.
    s.attn_tp_size = 4;
    EXPECT_DOUBLE_EQ(op(m.moe_layer_ops, "o_proj").flops(s), 2.0 * 128 * 4096 * 7168);
    EXPECT_DOUBLE_EQ(q_a.flops(s), 2.0 * 128 * 7168 * 1536); // q_a is not split
}

TEST(OpSpec, MoeOpsMatchHandComputation) {
    const ModelSpec& m = find_model("deepseek_v3");
    OpShape s;
    s.num_tokens        = 128;
    s.num_local_experts = 2;
    s.tokens_per_expert = 64;
    EXPECT_DOUBLE_EQ(op(m.moe_layer_ops, "expert_gate_up").flops(s), 2.0 * 128 * 7168 * 4096);
    EXPECT_DOUBLE_EQ(op(m.moe_layer_ops, "expert_gate_up").bytes(s),
                     2 * (7168.0 * 4096 + 56 * 32 * 4) + 128.0 * 7392 + 128.0 * 4096 * 2);
    EXPECT_DOUBLE_EQ(op(m.moe_layer_ops, "moe_gate").flops(s), 2.0 * 128 * 7168 * 256);
    // Reference §5.2: 7,408 B per FP8 dispatch selection, 14,336 B per BF16 combine selection.
    EXPECT_DOUBLE_EQ(op(m.moe_layer_ops, "dispatch").bytes(s), 128.0 * 8 * 7408);
    EXPECT_DOUBLE_EQ(op(m.moe_layer_ops, "combine").bytes(s), 128.0 * 8 * 14336);
    EXPECT_DOUBLE_EQ(op(m.moe_layer_ops, "shared_gate_up").flops(s), 2.0 * 128 * 7168 * 4096);
    // DeepSeek-V2 has two shared experts: every token through both.
    EXPECT_DOUBLE_EQ(op(find_model("deepseek_v2").moe_layer_ops, "shared_down").flops(s), 2 * 2.0 * 128 * 1536 * 5120);
}

TEST(OpSpec, CoreAttentionFollowsFlashMlaRoofline) {
    const ModelSpec& m = find_model("deepseek_v3");
    OpShape s; // FlashMLA benchmark point (reference §7): b = 128, s_k = 4096, h_q = 128, s_q = 1
    s.num_requests    = 128;
    s.num_tokens      = 128;
    s.kv_len          = 4096;
    const OpSpec& mla = op(m.moe_layer_ops, "mla_decode");
    EXPECT_DOUBLE_EQ(mla.flops(s), 128 * (2.0 * 128 * 1 * 4096 * (576 + 512)));
    // KV read = FlashMLA's 2·s_k·d_k per request, plus q (576) and o (512) per head in BF16.
    EXPECT_DOUBLE_EQ(mla.bytes(s), 128 * (2.0 * 4096 * 576) + 128.0 * 128 * (576 + 512) * 2);
    s.query_tokens_per_request = 2; // MTP on
    s.num_tokens               = 256;
    EXPECT_DOUBLE_EQ(mla.flops(s), 128 * (2.0 * 128 * 2 * 4096 * (576 + 512)));
    // Prefill of one 4096-token prompt: causal pairs 4096·4097/2, d_qk 192 + d_v 128 per head.
    OpShape p;
    p.phase                    = Phase::Prefill;
    p.num_requests             = 1;
    p.num_tokens               = 4096;
    p.kv_len                   = 4096;
    p.query_tokens_per_request = 4096;
    EXPECT_DOUBLE_EQ(op(m.moe_layer_ops, "mla_prefill").flops(p), 2.0 * 128 * (192 + 128) * (4096.0 * 4097 / 2));
    EXPECT_DOUBLE_EQ(op(m.head_ops, "lm_head").flops(p), 2.0 * 1 * 7168 * 129280); // last token only
    // GQA decode (Qwen3): 2·h_q·s_q·s_k·(d + d), KV read 2·kv_heads·d·2 B per token.
    const OpSpec& gqa          = op(find_model("qwen3_235b_a22b").moe_layer_ops, "attn_decode");
    s.query_tokens_per_request = 1;
    s.num_tokens               = 128;
    EXPECT_DOUBLE_EQ(gqa.flops(s), 128 * (2.0 * 64 * 4096 * 256));
    EXPECT_DOUBLE_EQ(gqa.bytes(s), 128 * 4096 * (2.0 * 4 * 128 * 2) + 128.0 * 64 * 128 * 2 * 2);
}

TEST(ModelSpec, ValidationRejectsInconsistentHyperParameters) {
    ModelSpec m = find_model("deepseek_v3");
    m.top_k     = 300;
    EXPECT_THROW(build_op_lists(m), ConfigError);
    m              = find_model("mixtral_8x22b");
    m.num_kv_heads = 7;
    EXPECT_THROW(build_op_lists(m), ConfigError);
    EXPECT_THROW(OpShape{.query_tokens_per_request = 0}.validate(), ConfigError);
}

TEST(ModelSpec, PrintsTableAndSpec) {
    std::ostringstream table, spec;
    print_model_table(table, model_catalogue());
    for (const ModelSpec& m : model_catalogue())
        EXPECT_NE(table.str().find(m.name), std::string::npos);
    EXPECT_NE(table.str().find("70272"), std::string::npos);
    spec << find_model("deepseek_v3");
    EXPECT_NE(spec.str().find("q_lora_rank=1536"), std::string::npos);
    EXPECT_NE(spec.str().find("mla_decode"), std::string::npos);
}

} // namespace
} // namespace moetwin
