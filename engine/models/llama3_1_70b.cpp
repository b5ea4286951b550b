// SPDX-License-Identifier: Apache-2.0
// LLaMA-3.1-70B: the generic mid-size dense config (80 layers, GQA 64/8), what most dense
// deployments look like between the local 7B/32B models and the 405B baseline.
// Source: huggingface.co/meta-llama/Llama-3.1-70B/config.json (hidden_size 8192, intermediate_size
// 28672, num_hidden_layers 80, num_attention_heads 64, num_key_value_heads 8, vocab_size 128256,
// tie_word_embeddings false).
#include "engine/models/models.hpp"

namespace moetwin::models {

ModelSpec llama3_1_70b() {
    ModelSpec m;
    m.name         = "llama3_1_70b";
    m.display_name = "LLaMA-3.1-70B";
    m.source       = "huggingface.co/meta-llama/Llama-3.1-70B/config.json";

    m.hidden_size      = 8192;
    m.vocab_size       = 128256;
    m.num_layers       = 80;
    m.num_dense_layers = 80;    // dense: every layer a SwiGLU MLP, no experts
    m.dense_inter_size = 28672; // intermediate_size

    m.attention    = AttentionKind::Gqa;
    m.num_heads    = 64;  // num_attention_heads
    m.num_kv_heads = 8;   // num_key_value_heads
    m.head_dim     = 128; // hidden / heads
    m.qk_norm      = false;
    m.qkv_bias     = false;

    m.tie_embeddings  = false;
    m.num_mtp_modules = 0;

    // The Hugging Face model page counts 70.6B parameters in the safetensors (the card says "70B").
    m.published_total_params     = 70.6e9;
    m.published_activated_params = 70.6e9;
    m.published_source           = "Hugging Face model page (safetensors: 70.6B params)";
    build_op_lists(m);
    return m;
}

} // namespace moetwin::models
