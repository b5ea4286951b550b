// SPDX-License-Identifier: Apache-2.0
// LLaMA-3.1-405B: dense, 126 layers, GQA 128/8, the dense baseline of the MoE comparisons.
// Source: huggingface.co/meta-llama/Llama-3.1-405B/config.json (hidden_size 16384, intermediate_size
// 53248, num_hidden_layers 126, num_attention_heads 128, num_key_value_heads 8, vocab_size 128256,
// tie_word_embeddings false).
#include "engine/models/models.hpp"

namespace moetwin::models {

ModelSpec llama3_1_405b() {
    ModelSpec m;
    m.name         = "llama3_1_405b";
    m.display_name = "LLaMA-3.1-405B";
    m.source       = "huggingface.co/meta-llama/Llama-3.1-405B/config.json";

    m.hidden_size      = 16384;
    m.vocab_size       = 128256;
    m.num_layers       = 126;
    m.num_dense_layers = 126;   // dense: every layer a SwiGLU MLP, no experts
    m.dense_inter_size = 53248; // intermediate_size

    m.attention    = AttentionKind::Gqa;
    m.num_heads    = 128; // num_attention_heads
    m.num_kv_heads = 8;   // num_key_value_heads
    m.head_dim     = 128; // hidden / heads
    m.qk_norm      = false;
    m.qkv_bias     = false;

    m.tie_embeddings  = false;
    m.num_mtp_modules = 0;

    // Meta's Llama 3.1 model card: 405B parameters (dense: every parameter active per token).
    m.published_total_params     = 405e9;
    m.published_activated_params = 405e9;
    m.published_source           = "Meta Llama 3.1 model card";
    build_op_lists(m);
    return m;
}

} // namespace moetwin::models
