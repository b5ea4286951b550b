// SPDX-License-Identifier: Apache-2.0
// DeepSeek-R1-Distill-Qwen-7B: Qwen2.5-Math-7B's architecture (dense, 28 layers, GQA 28/4, q/k/v
// bias); fits one 24 GB consumer GPU in BF16.
// Source: huggingface.co/deepseek-ai/DeepSeek-R1-Distill-Qwen-7B/config.json (model_type qwen2,
// hidden_size 3584, intermediate_size 18944, num_hidden_layers 28, num_attention_heads 28,
// num_key_value_heads 4, vocab_size 152064, tie_word_embeddings false).
#include "engine/models/models.hpp"

namespace moetwin::models {

ModelSpec r1_distill_qwen_7b() {
    ModelSpec m;
    m.name         = "r1_distill_qwen_7b";
    m.display_name = "DeepSeek-R1-Distill-Qwen-7B";
    m.source       = "huggingface.co/deepseek-ai/DeepSeek-R1-Distill-Qwen-7B/config.json";

    m.hidden_size      = 3584;
    m.vocab_size       = 152064;
    m.num_layers       = 28;
    m.num_dense_layers = 28;    // dense: every layer a SwiGLU MLP, no experts
    m.dense_inter_size = 18944; // intermediate_size

    m.attention    = AttentionKind::Gqa;
    m.num_heads    = 28;  // num_attention_heads
    m.num_kv_heads = 4;   // num_key_value_heads
    m.head_dim     = 128; // hidden / heads
    m.qk_norm      = false;
    m.qkv_bias     = true;

    m.tie_embeddings  = false;
    m.num_mtp_modules = 0;

    // Qwen2.5-7B model card: 7.61B parameters, 6.53B non-embedding.
    m.published_total_params     = 7.61e9;
    m.published_activated_params = 7.61e9;
    m.published_source           = "Qwen2.5-7B model card";
    build_op_lists(m);
    return m;
}

} // namespace moetwin::models
