// SPDX-License-Identifier: Apache-2.0
// Qwen3-235B-A22B: 94 MoE layers (no dense layer, no shared expert), GQA 64/4 with per-head q/k norm.
// Source: huggingface.co/Qwen/Qwen3-235B-A22B/config.json (decoder_sparse_step 1, mlp_only_layers [],
// so intermediate_size 12288 is unused; norm_topk_prob true; tie_word_embeddings false).
#include "engine/models/models.hpp"

namespace moetwin::models {

ModelSpec qwen3_235b_a22b() {
    ModelSpec m;
    m.name         = "qwen3_235b_a22b";
    m.display_name = "Qwen3-235B-A22B";
    m.source       = "huggingface.co/Qwen/Qwen3-235B-A22B/config.json";

    m.hidden_size        = 4096;
    m.vocab_size         = 151936;
    m.num_layers         = 94;
    m.num_dense_layers   = 0;
    m.dense_inter_size   = 0;
    m.moe_inter_size     = 1536; // moe_intermediate_size
    m.num_routed_experts = 128;  // num_experts
    m.num_shared_experts = 0;
    m.top_k              = 8; // num_experts_per_tok
    m.num_expert_groups  = 1;
    m.topk_groups        = 1;
    m.route_scale        = 1.0; // softmax top-k, renormalised
    m.gate_has_bias      = false;

    m.attention    = AttentionKind::Gqa;
    m.num_heads    = 64;
    m.num_kv_heads = 4;
    m.head_dim     = 128; // explicit in config (64 × 128 = 8192 ≠ hidden 4096)
    m.qk_norm      = true;

    m.tie_embeddings  = false;
    m.num_mtp_modules = 0;

    // Qwen3 technical report (arXiv 2505.09388) and model card: 235B total, 22B activated.
    m.published_total_params     = 235e9;
    m.published_activated_params = 22e9;
    m.published_source           = "Qwen3 tech report (arXiv 2505.09388)";
    build_op_lists(m);
    return m;
}

} // namespace moetwin::models
