// SPDX-License-Identifier: Apache-2.0
// DeepSeek-V3 (and R1, same architecture): 671B total, 37B activated, MLA, 256 routed experts.
// Source: deepseek-ai/DeepSeek-V3 inference/configs/config_671B.json and the HF config.json
// (reference §1.1): first_k_dense_replace 3, num_nextn_predict_layers 1, noaux_tc sigmoid gate.
#include "engine/models/models.hpp"

namespace moetwin::models {

ModelSpec deepseek_v3() {
    ModelSpec m;
    m.name         = "deepseek_v3";
    m.display_name = "DeepSeek-V3";
    m.source       = "huggingface.co/deepseek-ai/DeepSeek-V3/config.json; reference §1.1";

    m.hidden_size        = 7168; // dim
    m.vocab_size         = 129280;
    m.num_layers         = 61;
    m.num_dense_layers   = 3;     // first_k_dense_replace
    m.dense_inter_size   = 18432; // inter_dim
    m.moe_inter_size     = 2048;  // moe_inter_dim
    m.num_routed_experts = 256;
    m.num_shared_experts = 1;
    m.top_k              = 8;    // n_activated_experts
    m.num_expert_groups  = 8;    // n_group
    m.topk_groups        = 4;    // topk_group
    m.route_scale        = 2.5;  // routed_scaling_factor
    m.gate_has_bias      = true; // e_score_correction_bias (fp32 [256])

    m.attention        = AttentionKind::Mla;
    m.num_heads        = 128;
    m.q_lora_rank      = 1536;
    m.kv_lora_rank     = 512;
    m.qk_nope_head_dim = 128;
    m.qk_rope_head_dim = 64;
    m.v_head_dim       = 128;

    m.tie_embeddings  = false;
    m.num_mtp_modules = 1; // num_nextn_predict_layers; HF checkpoint 685B = 671B + 14B MTP (reference §1.3)

    // DeepSeek-V3 README and tech report (arXiv 2412.19437): 671B total, 37B activated per token;
    // README_WEIGHTS.md itemises 36.7B activated including 0.9B embedding and 0.9B head.
    m.published_total_params     = 671e9;
    m.published_activated_params = 37e9;
    m.published_source           = "DeepSeek-V3 tech report / README";
    build_op_lists(m);
    return m;
}

} // namespace moetwin::models
