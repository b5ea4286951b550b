// SPDX-License-Identifier: Apache-2.0
// Mixtral 8x7B: 32 MoE layers of 8 experts, top-2, no shared expert, GQA 32/8.
// Source: huggingface.co/mistralai/Mixtral-8x7B-v0.1/config.json (hidden_size 4096, intermediate_size
// 14336 per expert, num_hidden_layers 32, num_attention_heads 32, num_key_value_heads 8,
// num_local_experts 8, num_experts_per_tok 2, vocab_size 32000, tie_word_embeddings false).
#include "engine/models/models.hpp"

namespace moetwin::models {

ModelSpec mixtral_8x7b() {
    ModelSpec m;
    m.name         = "mixtral_8x7b";
    m.display_name = "Mixtral 8x7B";
    m.source       = "huggingface.co/mistralai/Mixtral-8x7B-v0.1/config.json";

    m.hidden_size        = 4096;
    m.vocab_size         = 32000;
    m.num_layers         = 32;
    m.num_dense_layers   = 0;
    m.dense_inter_size   = 0;
    m.moe_inter_size     = 14336; // per expert
    m.num_routed_experts = 8;
    m.num_shared_experts = 0;
    m.top_k              = 2;
    m.num_expert_groups  = 1; // no group-limited routing
    m.topk_groups        = 1;
    m.route_scale        = 1.0; // softmax over the top-2 logits
    m.gate_has_bias      = false;

    m.attention    = AttentionKind::Gqa;
    m.num_heads    = 32;
    m.num_kv_heads = 8;
    m.head_dim     = 128;
    m.qk_norm      = false;

    m.tie_embeddings  = false;
    m.num_mtp_modules = 0;

    // Mistral AI "Mixtral of experts" (2023-12-11): 46.7B total parameters, 12.9B used per token.
    m.published_total_params     = 46.7e9;
    m.published_activated_params = 12.9e9;
    m.published_source           = "Mistral AI Mixtral of experts announcement";
    build_op_lists(m);
    return m;
}

} // namespace moetwin::models
