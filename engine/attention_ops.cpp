// SPDX-License-Identifier: Apache-2.0
// Attention op lists: MLA (DeepSeek-V2/V3, Kimi K2; HF modeling_deepseek.py names) and GQA
// (Qwen3, Mixtral; HF q_proj/k_proj/v_proj/o_proj). Core-attention costs follow FlashMLA's roofline
// (reference §7) for MLA decode and the FlashAttention convention elsewhere.
#include "engine/layer_ops.hpp"

#include "common/errors.hpp"

#include <algorithm>
#include <string>

namespace moetwin {
namespace {

// (query, key) pairs per request under a causal mask: the s_q new tokens are the last s_q of kv_len.
double causal_pairs(const OpShape& s) {
    const double sq = double(s.query_tokens_per_request), kv = double(s.kv_len);
    return sq * (kv - sq) + sq * (sq + 1.0) / 2.0;
}

OpSpec core_attention(std::string name, Phase phase, OpCostFn flops, OpCostFn bytes) {
    OpSpec op;
    op.name    = std::move(name);
    op.kind    = OpKind::Attention;
    op.role    = WeightRole::None;
    op.only_in = phase;
    op.flops   = std::move(flops);
    op.bytes   = std::move(bytes);
    return op;
}

// A constant row width.
DimFn width(int64_t n) {
    return [n](const OpShape&) { return double(n); };
}

// RoPE applied in place to `heads` query heads (TP-local) and `kv_heads` key heads of `rope_dim`
// values per new token, BF16: read + write 4 B per value; ~3 FLOPs per value (two multiplies, an add).
OpSpec rotary(int64_t heads, int64_t kv_heads, int64_t rope_dim) {
    OpSpec op;
    op.name         = "attn_rotary";
    op.kind         = OpKind::Rotary;
    op.role         = WeightRole::None;
    const auto vals = [=](const OpShape& s) {
        return double(s.num_tokens) *
               double(tp_local_count(heads, s.attn_tp_size) + tp_local_count(kv_heads, s.attn_tp_size)) *
               double(rope_dim);
    };
    op.flops = [vals](const OpShape& s) { return 3.0 * vals(s); };
    op.bytes = [vals](const OpShape& s) { return 4.0 * vals(s); };
    return op;
}

// The FP8 cast and scale transpose feeding a GEMM of `dim` input values per row (layer_ops.hpp).
void add_fp8_input(std::vector<OpSpec>& ops, const std::string& prefix, DimFn dim, RowsFn rows = token_rows) {
    ops.push_back(make_cast(prefix + "_input_cast", dim, rows));
    ops.push_back(make_scale_transpose(prefix + "_input_transpose", dim, rows));
}

std::vector<OpSpec> mla_ops(const ModelSpec& m) {
    const int64_t h = m.hidden_size, heads = m.num_heads, lora = m.kv_lora_rank, rope = m.qk_rope_head_dim;
    const int64_t qk_head = m.qk_nope_head_dim + m.qk_rope_head_dim, v_head = m.v_head_dim;
    // One cast feeds q_a_proj and kv_a_proj (the same input; inference fuses the two GEMMs, the
    // training trace casts twice).
    std::vector<OpSpec> ops{make_norm("attn_norm", h)};
    add_fp8_input(ops, "attn", width(h));
    if (m.q_lora_rank > 0) {
        ops.push_back(make_gemm(
            {.name = "q_a_proj", .role = WeightRole::Attention, .in_features = h, .out_features = m.q_lora_rank}));
        ops.push_back(make_norm("q_a_norm", m.q_lora_rank));
        add_fp8_input(ops, "q_b", width(m.q_lora_rank));
        ops.push_back(make_gemm({.name          = "q_b_proj",
                                 .role          = WeightRole::Attention,
                                 .in_features   = m.q_lora_rank,
                                 .out_features  = heads * qk_head,
                                 .max_tp_shards = heads}));
    } else {
        ops.push_back(make_gemm({.name          = "q_proj",
                                 .role          = WeightRole::Attention,
                                 .in_features   = h,
                                 .out_features  = heads * qk_head,
                                 .max_tp_shards = heads}));
    }
    // HF kv_a_proj_with_mqa: the KV latent plus the shared RoPE key.
    ops.push_back(
        make_gemm({.name = "kv_a_proj", .role = WeightRole::Attention, .in_features = h, .out_features = lora + rope}));
    ops.push_back(make_norm("kv_a_norm", lora));
    // Decode absorbs kv_b into the query and the output (same FLOPs as one pass of the decode tokens);
    // prefill expands every context token's latent into per-head K and V. Its FP8 input is cast
    // over the same rows.
    const RowsFn kv_b_rows = [](const OpShape& s) {
        return s.phase == Phase::Prefill ? double(s.num_requests) * double(s.kv_len) : double(s.num_tokens);
    };
    add_fp8_input(ops, "kv_b", width(lora), kv_b_rows);
    ops.push_back(make_gemm({.name          = "kv_b_proj",
                             .role          = WeightRole::Attention,
                             .in_features   = lora,
                             .out_features  = heads * (m.qk_nope_head_dim + v_head),
                             .max_tp_shards = heads,
                             .rows          = kv_b_rows}));
    ops.push_back(rotary(heads, 1, rope)); // q_pe of every head and the shared k_pe
    // Prefill: MHA on expanded heads, d_qk = nope + rope (192), d_v = v_head (128), causal.
    ops.push_back(core_attention(
        "mla_prefill", Phase::Prefill,
        [=](const OpShape& s) {
            return 2.0 * double(tp_local_count(heads, s.attn_tp_size)) * double(qk_head + v_head) * causal_pairs(s) *
                   double(s.num_requests);
        },
        [=](const OpShape& s) {
            const double hl = double(tp_local_count(heads, s.attn_tp_size));
            return double(s.num_tokens) * hl * double(qk_head + v_head) * 2.0 +
                   double(s.num_requests) * double(s.kv_len) * hl * double(qk_head + v_head) * 2.0;
        }));
    // Decode: FlashMLA on the latent cache, d_k = lora + rope (576), d_v = lora (512):
    // FLOPs = 2·h_q·s_q·s_k·(d_k + d_v) per request; bytes = the KV cache read + q and o.
    ops.push_back(core_attention(
        "mla_decode", Phase::Decode,
        [=](const OpShape& s) {
            return 2.0 * double(tp_local_count(heads, s.attn_tp_size)) * double(s.query_tokens_per_request) *
                   double(s.kv_len) * double(lora + rope + lora) * double(s.num_requests);
        },
        [=](const OpShape& s) {
            const double hl = double(tp_local_count(heads, s.attn_tp_size));
            return double(s.num_requests) * double(s.kv_len) *
                       double(mla_kv_bytes_per_layer(lora, rope, s.kv_precision)) +
                   double(s.num_tokens) * hl * double(lora + rope + lora) * 2.0;
        }));
    add_fp8_input(ops, "o_proj",
                  [=](const OpShape& s) { return double(tp_local_count(heads, s.attn_tp_size) * v_head); });
    ops.push_back(make_gemm({.name          = "o_proj",
                             .role          = WeightRole::Attention,
                             .in_features   = heads * v_head,
                             .out_features  = h,
                             .max_tp_shards = heads,
                             .tp_splits_in  = true}));
    return ops;
}

std::vector<OpSpec> gqa_ops(const ModelSpec& m) {
    const int64_t h = m.hidden_size, heads = m.num_heads, kvh = m.num_kv_heads, hd = m.head_dim;
    std::vector<OpSpec> ops{make_norm("attn_norm", h)};
    add_fp8_input(ops, "attn", width(h)); // one cast for q, k and v
    ops.push_back(make_gemm({.name          = "q_proj",
                             .role          = WeightRole::Attention,
                             .in_features   = h,
                             .out_features  = heads * hd,
                             .max_tp_shards = heads}));
    ops.push_back(make_gemm({.name          = "k_proj",
                             .role          = WeightRole::Attention,
                             .in_features   = h,
                             .out_features  = kvh * hd,
                             .max_tp_shards = kvh}));
    ops.push_back(make_gemm({.name          = "v_proj",
                             .role          = WeightRole::Attention,
                             .in_features   = h,
                             .out_features  = kvh * hd,
                             .max_tp_shards = kvh}));
    // Qwen2.5 attention_bias: one bias vector per projection output, added in the GEMM epilogue
    // (no extra kernel); counted as parameters beside the matrix (instance_weight_bytes: 4 B each).
    if (m.qkv_bias)
        for (std::size_t i = ops.size() - 3; i < ops.size(); ++i)
            ops[i].params_per_instance += ops[i].out_features;
    if (m.qk_norm) {
        ops.push_back(make_norm("q_norm", hd, heads, heads));
        ops.push_back(make_norm("k_norm", hd, kvh, kvh));
    }
    ops.push_back(rotary(heads, kvh, hd));
    const auto kv_read = [=](const OpShape& s) { // K and V of every context token, local KV heads
        return double(s.num_requests) * double(s.kv_len) * 2.0 * double(tp_local_count(kvh, s.attn_tp_size)) *
               double(hd) * element_bytes(s.kv_precision);
    };
    const auto q_and_o = [=](const OpShape& s) {
        return double(s.num_tokens) * double(tp_local_count(heads, s.attn_tp_size)) * double(hd) * 2.0 * 2.0;
    };
    ops.push_back(core_attention(
        "attn_prefill", Phase::Prefill,
        [=](const OpShape& s) {
            return 2.0 * double(tp_local_count(heads, s.attn_tp_size)) * double(2 * hd) * causal_pairs(s) *
                   double(s.num_requests);
        },
        [=](const OpShape& s) { return q_and_o(s) + kv_read(s); }));
    ops.push_back(core_attention(
        "attn_decode", Phase::Decode,
        [=](const OpShape& s) {
            return 2.0 * double(tp_local_count(heads, s.attn_tp_size)) * double(s.query_tokens_per_request) *
                   double(s.kv_len) * double(2 * hd) * double(s.num_requests);
        },
        [=](const OpShape& s) { return q_and_o(s) + kv_read(s); }));
    add_fp8_input(ops, "o_proj", [=](const OpShape& s) { return double(tp_local_count(heads, s.attn_tp_size) * hd); });
    ops.push_back(make_gemm({.name          = "o_proj",
                             .role          = WeightRole::Attention,
                             .in_features   = heads * hd,
                             .out_features  = h,
                             .max_tp_shards = heads,
                             .tp_splits_in  = true}));
    return ops;
}

} // namespace

int64_t mla_kv_bytes_per_layer(int64_t kv_lora_rank, int64_t rope_dim, Precision p) {
    switch (p) {
    case Precision::Bf16:
        return (kv_lora_rank + rope_dim) * 2;
    // FlashMLA FP8 KV (reference §7): latent in FP8 + one fp32 scale per 128 + RoPE part kept BF16.
    case Precision::Fp8E4m3:
        return kv_lora_rank + (kv_lora_rank + 127) / 128 * 4 + rope_dim * 2;
    default:
        throw ConfigError("KV cache precision " + std::string(to_string(p)) + " is not supported (bf16 or fp8_e4m3)");
    }
}

std::vector<OpSpec> make_attention_ops(const ModelSpec& m) {
    return m.attention == AttentionKind::Mla ? mla_ops(m) : gqa_ops(m);
}

} // namespace moetwin
