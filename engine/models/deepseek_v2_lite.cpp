// SPDX-License-Identifier: Apache-2.0
// DeepSeek-V2-Lite: 15.7B total, 2.4B activated, MLA without query compression, 64 routed + 2 shared
// experts, top-6, one dense layer. Source: huggingface.co/deepseek-ai/DeepSeek-V2-Lite/config.json
// (hidden_size 2048, num_hidden_layers 27, first_k_dense_replace 1, intermediate_size 10944,
// moe_intermediate_size 1408, n_routed_experts 64, n_shared_experts 2, num_experts_per_tok 6, n_group 1,
// topk_group 1, topk_method greedy, routed_scaling_factor 1.0, num_attention_heads 16, q_lora_rank null,
// kv_lora_rank 512, qk_nope_head_dim 128, qk_rope_head_dim 64, v_head_dim 128, vocab_size 102400).
#include "engine/models/models.hpp"

namespace moetwin::models {

ModelSpec deepseek_v2_lite() {
    ModelSpec m;
    m.name         = "deepseek_v2_lite";
    m.display_name = "DeepSeek-V2-Lite";
    m.source       = "huggingface.co/deepseek-ai/DeepSeek-V2-Lite/config.json";

    m.hidden_size        = 2048;
    m.vocab_size         = 102400;
    m.num_layers         = 27;
    m.num_dense_layers   = 1;     // first_k_dense_replace
    m.dense_inter_size   = 10944; // intermediate_size
    m.moe_inter_size     = 1408;  // moe_intermediate_size
    m.num_routed_experts = 64;
    m.num_shared_experts = 2;
    m.top_k              = 6;
    m.num_expert_groups  = 1; // n_group: greedy top-k, no group limit
    m.topk_groups        = 1;
    m.route_scale        = 1.0;
    m.gate_has_bias      = false;

    m.attention        = AttentionKind::Mla;
    m.num_heads        = 16;
    m.q_lora_rank      = 0; // q_lora_rank null: q_proj [hidden, heads × 192]
    m.kv_lora_rank     = 512;
    m.qk_nope_head_dim = 128;
    m.qk_rope_head_dim = 64;
    m.v_head_dim       = 128;

    m.tie_embeddings  = false;
    m.num_mtp_modules = 0;

    // DeepSeek-V2 paper (arXiv 2405.04434) Appendix B and the model card: 15.7B total, 2.4B activated.
    // NOTES: this config counts 2.66B activated with the embedding and head (0.21B each); the 2.4B
    // appears to leave the embedding out (2.45B), so the test allows 11 % on the activated figure.
    m.published_total_params     = 15.7e9;
    m.published_activated_params = 2.4e9;
    m.published_source           = "DeepSeek-V2 paper (arXiv 2405.04434) / DeepSeek-V2-Lite model card";
    build_op_lists(m);
    return m;
}

} // namespace moetwin::models
