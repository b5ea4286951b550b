// SPDX-License-Identifier: Apache-2.0
// Grok-1 (xAI): 64 MoE layers of 8 experts, top-2, no shared expert, GQA 48/8, tied embedding.
// Source: github.com/xai-org/grok-1 run.py (vocab_size 128·1024, emb_size 48·128 = 6144, key_size 128,
// num_q_heads 48, num_kv_heads 8, num_layers 64, widening_factor 8, num_experts 8,
// num_selected_experts 2) and model.py (ffn_size(6144, 8) = int(8·6144)·2/3 = 32768, rounded to a
// multiple of 8; the output layer is the embedding's decode: tied). Grok-1's two extra RMSNorms per
// layer (post-attention and post-MoE) are not in the op lists: 0.8M parameters of 314B.
#include "engine/models/models.hpp"

namespace moetwin::models {

ModelSpec grok1() {
    ModelSpec m;
    m.name         = "grok1";
    m.display_name = "Grok-1";
    m.source       = "github.com/xai-org/grok-1 run.py and model.py";

    m.hidden_size        = 6144;
    m.vocab_size         = 131072;
    m.num_layers         = 64;
    m.num_dense_layers   = 0;
    m.dense_inter_size   = 0;
    m.moe_inter_size     = 32768; // per expert
    m.num_routed_experts = 8;
    m.num_shared_experts = 0;
    m.top_k              = 2;
    m.num_expert_groups  = 1; // no group-limited routing
    m.topk_groups        = 1;
    m.route_scale        = 1.0; // softmax over the top-2 logits
    m.gate_has_bias      = false;

    m.attention    = AttentionKind::Gqa;
    m.num_heads    = 48;
    m.num_kv_heads = 8;
    m.head_dim     = 128;
    m.qk_norm      = false;

    m.tie_embeddings  = true;
    m.num_mtp_modules = 0;

    // xAI "Open Release of Grok-1": 314B parameters, "25% of the weights active on a given token".
    // NOTES: 25 % is 2 of 8 experts; attention and embedding are always active, so this config's
    // activated count is 26.6 % (83.7B): the test allows 7 % on the activated figure for that reason.
    m.published_total_params     = 314e9;
    m.published_activated_params = 0.25 * 314e9;
    m.published_source           = "xAI Open Release of Grok-1 (2024-03-17)";
    build_op_lists(m);
    return m;
}

} // namespace moetwin::models
