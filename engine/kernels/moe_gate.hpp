// SPDX-License-Identifier: Apache-2.0
// The DeepSeek-V3 router after the gate GEMM (reference §1.2, inference/model.py class Gate), exactly:
//   s = sigmoid(logits); sel = s + bias (selection only);
//   group score = sum of the top-2 `sel` in each group (max of the group when there is no bias);
//   keep the top `topk_groups` groups, mask the others; take the top `top_k` experts of the masked `sel`;
//   weights = s of those experts, normalised to sum 1, times route_scale.
// Ties break towards the lower index (group or expert); outputs are ordered by descending `sel`.
#pragma once

#include <cstdint>
#include <iosfwd>

namespace moetwin::kernels {

inline constexpr int kGateMaxExperts = 512; // 16 per lane of the one-warp-per-token kernel
inline constexpr int kGateMaxTopK    = 16;

struct MoeGateParams {
    int64_t num_tokens  = 0;
    int64_t num_experts = 256;
    int64_t num_groups  = 8; // n_group; 1 = no group limit
    int64_t topk_groups = 4; // topk_group
    int64_t top_k       = 8;
    float route_scale   = 2.5f;

    const float* logits = nullptr; // [num_tokens, num_experts] x·W_gateᵀ in fp32
    const float* bias   = nullptr; // [num_experts] e_score_correction_bias, or nullptr
    int32_t* topk_ids   = nullptr; // [num_tokens, top_k]
    float* topk_weights = nullptr; // [num_tokens, top_k]
};

void validate(const MoeGateParams& p);
void moe_gate_ref(const MoeGateParams& p);
std::ostream& operator<<(std::ostream& out, const MoeGateParams& p);

} // namespace moetwin::kernels
