// SPDX-License-Identifier: Apache-2.0
// ModelSpec: a MoE transformer as its hyper-parameters plus named op lists (design.md example 9),
// and the model catalogue (one file per model under engine/models/). Parameter and KV-cache
// counts are computed from the op lists, so adding an op updates every total.
#pragma once

#include "engine/op_spec.hpp"
#include "engine/precision.hpp"

#include <cstdint>
#include <iosfwd>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace moetwin {

enum class AttentionKind {
    Mla, // multi-head latent attention (DeepSeek-V2/V3, Kimi K2): one compressed KV latent per token
    Gqa, // grouped-query attention (Qwen3, Mixtral): num_kv_heads K and V heads per token
};

// A dense model is all dense layers (num_dense_layers == num_layers, no routed experts): no gate,
// no dispatch/combine. ModelSpec::is_dense() says so.

struct ModelSpec {
    std::string name;         // catalogue key: "deepseek_v3"
    std::string display_name; // "DeepSeek-V3"
    std::string source;       // the config.json the numbers follow

    int64_t hidden_size      = 0;
    int64_t vocab_size       = 0;
    int num_layers           = 0; // decoder layers, dense + MoE (MTP modules excluded)
    int num_dense_layers     = 0; // leading dense-FFN layers (HF first_k_dense_replace)
    int64_t dense_inter_size = 0; // dense FFN intermediate size
    int64_t moe_inter_size   = 0; // intermediate size of one routed or shared expert
    int num_routed_experts   = 0;
    int num_shared_experts   = 0;
    int top_k                = 0; // routed experts per token
    int num_expert_groups    = 1; // group-limited routing: groups of experts (n_group)
    int topk_groups          = 1; // groups kept per token (topk_group)
    double route_scale       = 1.0;
    bool gate_has_bias       = false; // noaux_tc e_score_correction_bias [num_routed_experts]

    AttentionKind attention = AttentionKind::Mla;
    int num_heads           = 0;
    int q_lora_rank         = 0;     // MLA; 0 = no query compression (q_proj instead of q_a/q_b)
    int kv_lora_rank        = 0;     // MLA latent width
    int qk_nope_head_dim    = 0;     // MLA
    int qk_rope_head_dim    = 0;     // MLA decoupled RoPE key, shared by all heads
    int v_head_dim          = 0;     // MLA
    int num_kv_heads        = 0;     // GQA
    int head_dim            = 0;     // GQA
    bool qk_norm            = false; // GQA: per-head RMSNorm on q and k (Qwen3)
    bool qkv_bias           = false; // GQA: q/k/v projections carry a bias (Qwen2/2.5 attention_bias)

    bool tie_embeddings = false; // lm_head shares the embedding matrix (not counted twice)
    int num_mtp_modules = 0;     // multi-token-prediction modules shipped beside the main model

    double published_total_params     = 0; // as announced, for the model table and tests
    double published_activated_params = 0;
    std::string published_source;

    // Op lists, built from the fields above by build_op_lists(). One entry per op, in execution order.
    std::vector<OpSpec> embedding_ops;   // "embed"
    std::vector<OpSpec> dense_layer_ops; // attention + dense FFN (the first num_dense_layers layers)
    std::vector<OpSpec> moe_layer_ops;   // attention + gate + dispatch + experts + combine + shared experts
    std::vector<OpSpec> head_ops;        // "final_norm", "lm_head", "sampling"
    std::vector<OpSpec> mtp_ops;         // per MTP module, before its own MoE layer: enorm, hnorm, eh_proj
    std::vector<OpSpec> mtp_head_ops;    // per MTP module, after it: mtp_final_norm, lm_head (shared), sampling

    int num_moe_layers() const { return num_layers - num_dense_layers; }
    bool is_dense() const { return num_moe_layers() == 0; }

    // Whole main model (embedding, all layers, head; MTP excluded), as DeepSeek counts "671B".
    int64_t total_params() const;
    // Per token: every non-routed-expert weight + top_k routed experts per MoE layer, embedding and head
    // included (DeepSeek README_WEIGHTS itemises them inside its 36.7B).
    int64_t activated_params() const;
    // Unique parameters of the MTP modules (their MoE layer + eh_proj + norms); the embedding and
    // head they share with the main model are not counted again. 0 without MTP.
    int64_t mtp_params() const;
    // KV cache of one token over all layers. MLA: layers × (kv_lora + rope) × 2 B in BF16; in FP8,
    // FlashMLA's layout per layer = kv_lora FP8 + kv_lora/128 fp32 scales + rope BF16 (656 B for V3).
    // GQA: layers × 2 × kv_heads × head_dim × element bytes (FP8: per-tensor scale, 1 B).
    // Throws ConfigError for Int4/Nvfp4 (not a KV format moetwin models).
    int64_t kv_cache_bytes_per_token(Precision kv_precision) const;

    // Throws ConfigError naming the model and the field when the hyper-parameters are inconsistent.
    void validate() const;
};

// Fills the op lists from the hyper-parameters (engine/attention_ops.cpp, engine/ffn_ops.cpp) and
// validates. Every catalogue model calls this once.
void build_op_lists(ModelSpec& model);

// Sum over an op list of params_per_instance × instances (routed experts: × top_k when `activated`).
int64_t sum_params(const std::vector<OpSpec>& ops, bool activated, int top_k);

// The catalogue (model_spec.cpp, one file per model under models/), built once on first use.
std::span<const ModelSpec> model_catalogue();
// Exact, lowercase name (common/name_table.hpp); throws ConfigError (unknown_name_message) otherwise.
const ModelSpec& find_model(std::string_view name);
// A copy of `base` keeping only `num_dense_layers` dense and `num_moe_layers` MoE layers (-1 keeps
// the model's own count); used by small test scenarios. Throws ConfigError for counts above the model's.
ModelSpec with_layers(const ModelSpec& base, int num_dense_layers, int num_moe_layers);

// `moetwin models`: one row per model with layers, experts, computed and published totals, KV/token.
void print_model_table(std::ostream& out, std::span<const ModelSpec> models);

std::string_view to_string(AttentionKind kind);
// Every hyper-parameter, then the op lists by name (design.md example 4).
std::ostream& operator<<(std::ostream& out, const ModelSpec& model);

} // namespace moetwin
