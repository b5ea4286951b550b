// SPDX-License-Identifier: Apache-2.0
// Kimi K2 (Moonshot AI): DeepSeek-V3 architecture scaled to 384 experts with 64 heads and one dense layer.
// Source: huggingface.co/moonshotai/Kimi-K2-Instruct/config.json (model_type kimi_k2; n_group 1,
// topk_group 1, routed_scaling_factor 2.827, num_nextn_predict_layers 0, vocab 163840).
#include "engine/models/models.hpp"

namespace moetwin::models {

ModelSpec kimi_k2() {
    ModelSpec m;
    m.name         = "kimi_k2";
    m.display_name = "Kimi K2";
    m.source       = "huggingface.co/moonshotai/Kimi-K2-Instruct/config.json";

    m.hidden_size        = 7168;
    m.vocab_size         = 163840;
    m.num_layers         = 61;
    m.num_dense_layers   = 1;     // first_k_dense_replace
    m.dense_inter_size   = 18432; // intermediate_size
    m.moe_inter_size     = 2048;  // moe_intermediate_size
    m.num_routed_experts = 384;
    m.num_shared_experts = 1;
    m.top_k              = 8;
    m.num_expert_groups  = 1; // n_group: no group-limited routing
    m.topk_groups        = 1;
    m.route_scale        = 2.827;
    m.gate_has_bias      = true; // noaux_tc, sigmoid

    m.attention        = AttentionKind::Mla;
    m.num_heads        = 64;
    m.q_lora_rank      = 1536;
    m.kv_lora_rank     = 512;
    m.qk_nope_head_dim = 128;
    m.qk_rope_head_dim = 64;
    m.v_head_dim       = 128;

    m.tie_embeddings  = false;
    m.num_mtp_modules = 0;

    // Kimi K2 tech report (arXiv 2507.20534), Table 2 (K2 vs DeepSeek-V3): 1.04T total, 32.6B activated;
    // the model card rounds to "1T total, 32B activated". NOTES: counting this config the way DeepSeek
    // counts its 671B gives 1.026T (HF's safetensors metadata shows 1.03T), 1.3 % under 1.04T.
    m.published_total_params     = 1.04e12;
    m.published_activated_params = 32.6e9;
    m.published_source           = "Kimi K2 tech report (arXiv 2507.20534)";
    build_op_lists(m);
    return m;
}

} // namespace moetwin::models
