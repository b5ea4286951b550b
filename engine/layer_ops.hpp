// SPDX-License-Identifier: Apache-2.0
// Builders of the op lists a ModelSpec carries, and the op constructors they share. Attention ops
// (MLA, GQA) live in attention_ops.cpp; FFN and MoE ops in ffn_ops.cpp; the rest in layer_ops.cpp.
// Internal to engine/: other modules read the lists through ModelSpec.
#pragma once

#include "engine/model_spec.hpp"
#include "engine/op_spec.hpp"

#include <functional>
#include <string>
#include <vector>

namespace moetwin {

// --- op lists (each reads only the hyper-parameters of `m`) ---
std::vector<OpSpec> make_attention_ops(const ModelSpec& m); // attn_norm … o_proj (MLA or GQA)
std::vector<OpSpec> make_dense_ffn_ops(const ModelSpec& m); // ffn_norm, dense_gate_up, dense_swiglu, dense_down
std::vector<OpSpec>
make_moe_ffn_ops(const ModelSpec& m); // ffn_norm … dispatch, moe_permute, expert_*, moe_reduce, combine, shared_*
std::vector<OpSpec> make_embedding_ops(const ModelSpec& m); // embed
std::vector<OpSpec> make_head_ops(const ModelSpec& m);      // final_norm, lm_head, sampling
std::vector<OpSpec> make_mtp_ops(const ModelSpec& m);       // mtp_enorm, mtp_hnorm, mtp_eh_proj
std::vector<OpSpec> make_mtp_head_ops(const ModelSpec& m);  // mtp_final_norm, lm_head (shared), sampling

// KV-cache bytes of one token in one MLA layer: BF16 (lora + rope)·2 (1152 for V3); FP8 in FlashMLA's
// layout lora + lora/128·4 + rope·2 (656 for V3). Throws ConfigError for other precisions.
int64_t mla_kv_bytes_per_layer(int64_t kv_lora_rank, int64_t rope_dim, Precision p);

// Heads (or KV heads, vocab rows) one GPU holds when attention TP shards `n` of them: ceil(n / min(tp, n)).
// Beyond n ranks the units are replicated, never split.
int64_t tp_local_count(int64_t n, int tp_size);

// --- op constructors ---
// Rows (tokens) an op processes at a shape.
using RowsFn = OpCostFn;
double token_rows(const OpShape& s);  // s.num_tokens
double expert_rows(const OpShape& s); // s.num_local_experts × s.tokens_per_expert

struct GemmParams {
    std::string name;
    WeightRole role       = WeightRole::None;
    int64_t in_features   = 0;
    int64_t out_features  = 0;
    bool quantized        = true; // weights in the shape's weight_precision (else BF16)
    int64_t max_tp_shards = 1;    // see OpSpec
    bool tp_splits_in     = false;
    int64_t instances     = 1;     // instances per layer
    bool grouped          = false; // GroupedGemm over the GPU's local experts (rows = expert_rows)
    RowsFn rows           = token_rows;
};
// flops = 2·rows·in·out per instance run (TP-sharded dims; grouped: rows already span all local
// experts; dense: × instances). bytes = weights read once per instance run + rows·in input
// (FP8 with 1×128 scales when quantized in FP8, else BF16) + rows·out BF16 output.
OpSpec make_gemm(const GemmParams& p);

// RMSNorm over `dim` values, `rows_per_token` times per token (per-head norms), BF16 in and out:
// flops = 4 per value (square, sum, scale, weight); bytes = read + write + weight.
OpSpec make_norm(std::string name, int64_t dim, int64_t rows_per_token = 1, int64_t max_tp_shards = 1);

// Whether an op's FP8 GEMM input exists at a shape (casts and scale transposes run only then).
using NeedsFp8Fn = std::function<bool(const OpShape&)>;
bool fp8_weights(const OpShape& s); // s.weight_precision == Fp8E4m3 (DeepGEMM: FP8 activations too)
// Values per row of an op's input at a shape (attention TP shards some of them).
using DimFn = std::function<double(const OpShape&)>;

// Per-token BF16 -> FP8 e4m3 cast of a GEMM input with one fp32 scale per 1×128 block (DeepSeek's
// per_token_cast_to_fp8): bytes = rows·(2·dim + dim + ceil(dim/128)·4); flops = 3 per value (abs,
// block max, scale). Zero work when `needed` is false (BF16 or weight-only GEMMs read BF16).
OpSpec make_cast(std::string name, DimFn dim, RowsFn rows, NeedsFp8Fn needed = fp8_weights);
// The cast's scales into the column-major layout DeepGEMM reads: rows·ceil(dim/128) fp32 read and
// written; no FLOPs. A separate kernel in DeepSeek's framework (utils::transpose in the H800 trace).
OpSpec make_scale_transpose(std::string name, DimFn dim, RowsFn rows, NeedsFp8Fn needed = fp8_weights);

// SwiGLU silu(gate)·up on `inter` outputs per row, × instances: ≈ 5 FLOPs per output (sigmoid as
// exp+add+div, two multiplies); reads 2·inter BF16, writes inter in the next GEMM's input format.
OpSpec make_swiglu(std::string name, int64_t inter, int64_t instances, RowsFn rows);

} // namespace moetwin
