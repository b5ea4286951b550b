// SPDX-License-Identifier: Apache-2.0
// The catalogue models, one file each. Every factory fills the hyper-parameters from the model's
// Hugging Face config.json (cited in its file), calls build_op_lists() and returns the spec.
#pragma once

#include "engine/model_spec.hpp"

namespace moetwin::models {

ModelSpec deepseek_v3();         // deepseek_v3.cpp
ModelSpec deepseek_v2();         // deepseek_v2.cpp
ModelSpec qwen3_235b_a22b();     // qwen3_235b_a22b.cpp
ModelSpec kimi_k2();             // kimi_k2.cpp
ModelSpec mixtral_8x22b();       // mixtral_8x22b.cpp
ModelSpec mixtral_8x7b();        // mixtral_8x7b.cpp
ModelSpec grok1();               // grok1.cpp
ModelSpec deepseek_v2_lite();    // deepseek_v2_lite.cpp
ModelSpec llama3_1_405b();       // llama3_1_405b.cpp (dense)
ModelSpec llama3_1_70b();        // llama3_1_70b.cpp (dense)
ModelSpec r1_distill_qwen_32b(); // r1_distill_qwen_32b.cpp (dense)
ModelSpec r1_distill_qwen_7b();  // r1_distill_qwen_7b.cpp (dense)

} // namespace moetwin::models
