// SPDX-License-Identifier: Apache-2.0
// Mixtral 8x22B: 56 MoE layers of 8 experts, top-2, no shared expert, GQA 48/8.
// Source: huggingface.co/mistralai/Mixtral-8x22B-v0.1/config.json (intermediate_size 16384 is the
// per-expert size; num_local_experts 8; num_experts_per_tok 2; vocab 32768; untied head).
#include "engine/models/models.hpp"

namespace moetwin::models {

ModelSpec mixtral_8x22b() {
    ModelSpec m;
    m.name         = "mixtral_8x22b";
    m.display_name = "Mixtral 8x22B";
    m.source       = "huggingface.co/mistralai/Mixtral-8x22B-v0.1/config.json";

    m.hidden_size        = 6144;
    m.vocab_size         = 32768;
    m.num_layers         = 56;
    m.num_dense_layers   = 0;
    m.dense_inter_size   = 0;
    m.moe_inter_size     = 16384; // intermediate_size (per expert)
    m.num_routed_experts = 8;     // num_local_experts
    m.num_shared_experts = 0;
    m.top_k              = 2; // num_experts_per_tok
    m.num_expert_groups  = 1;
    m.topk_groups        = 1;
    m.route_scale        = 1.0; // softmax over the top-2 logits
    m.gate_has_bias      = false;

    m.attention    = AttentionKind::Gqa;
    m.num_heads    = 48;
    m.num_kv_heads = 8;
    m.head_dim     = 128; // hidden / heads
    m.qk_norm      = false;

    m.tie_embeddings  = false;
    m.num_mtp_modules = 0;

    // Mistral AI announcement "Cheaper, Better, Faster, Stronger" (2024-04-17): 141B total, 39B active.
    m.published_total_params     = 141e9;
    m.published_activated_params = 39e9;
    m.published_source           = "Mistral AI Mixtral 8x22B announcement";
    build_op_lists(m);
    return m;
}

} // namespace moetwin::models
