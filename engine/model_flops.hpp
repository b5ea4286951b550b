// SPDX-License-Identifier: Apache-2.0
// Model FLOPs per token from the op lists: the arithmetic behind training-compute figures (ISCA'25
// Table 2 counts DeepSeek-V3 at 250 GFLOPS per token for 4096-token sequences) and MFU.
#pragma once

#include "engine/model_spec.hpp"

#include <cstdint>

namespace moetwin {

// Forward FLOPs of one `seq_len`-token sequence through the whole main model (embedding, every dense
// and MoE layer with top_k routed experts per token, final norm and head; MTP modules excluded),
// divided by seq_len. Causal attention counts the (query, key) pairs under the mask. Communication
// ops carry no FLOPs. Pure.
double forward_flops_per_token(const ModelSpec& model, int64_t seq_len);

// Training FLOPs per token: forward + backward, the backward counted as twice the forward (input
// and weight gradients of every GEMM; attention backward as 2× its forward), recomputation excluded.
double training_flops_per_token(const ModelSpec& model, int64_t seq_len);

} // namespace moetwin
