// SPDX-License-Identifier: Apache-2.0
// DeepSeek-V2: 236B total, 21B activated, MLA, 160 routed + 2 shared experts, one dense layer.
// Source: huggingface.co/deepseek-ai/DeepSeek-V2/config.json (first_k_dense_replace 1,
// topk_method group_limited_greedy with softmax scores and no bias, routed_scaling_factor 16.0).
#include "engine/models/models.hpp"

namespace moetwin::models {

ModelSpec deepseek_v2() {
    ModelSpec m;
    m.name         = "deepseek_v2";
    m.display_name = "DeepSeek-V2";
    m.source       = "huggingface.co/deepseek-ai/DeepSeek-V2/config.json";

    m.hidden_size        = 5120;
    m.vocab_size         = 102400;
    m.num_layers         = 60;
    m.num_dense_layers   = 1;     // first_k_dense_replace
    m.dense_inter_size   = 12288; // intermediate_size
    m.moe_inter_size     = 1536;  // moe_intermediate_size
    m.num_routed_experts = 160;
    m.num_shared_experts = 2;
    m.top_k              = 6;
    m.num_expert_groups  = 8; // n_group (device-limited routing)
    m.topk_groups        = 3; // topk_group
    m.route_scale        = 16.0;
    m.gate_has_bias      = false;

    m.attention        = AttentionKind::Mla;
    m.num_heads        = 128;
    m.q_lora_rank      = 1536;
    m.kv_lora_rank     = 512;
    m.qk_nope_head_dim = 128;
    m.qk_rope_head_dim = 64;
    m.v_head_dim       = 128;

    m.tie_embeddings  = false;
    m.num_mtp_modules = 0;

    // DeepSeek-V2 paper (arXiv 2405.04434) abstract: 236B total parameters, 21B activated per token.
    m.published_total_params     = 236e9;
    m.published_activated_params = 21e9;
    m.published_source           = "DeepSeek-V2 paper (arXiv 2405.04434)";
    build_op_lists(m);
    return m;
}

} // namespace moetwin::models
