// SPDX-License-Identifier: Apache-2.0
// Token permutation for the local experts and its inverse with the weighted combine:
//   permute:   every (token, k) routed to a local expert gets a row of x_perm, grouped by expert in
//              (token, k) order (deterministic), in the contiguous or the masked layout (grouped_gemm.hpp);
//   unpermute: out[t] = residual[t] + Σ_k w[t, k] · y_perm[slot_rows[t, k]] over the local slots, fp32 sums.
// On one GPU this is what DeepEP's dispatch/combine do around the expert GEMMs, without the network.
#pragma once

#include "engine/kernels/dtype.hpp"
#include "engine/kernels/grouped_gemm.hpp"

#include <cstdint>
#include <iosfwd>

namespace moetwin::kernels {

inline constexpr int kPermuteChunk = 1024; // (token, k) entries per block of the counting passes

struct MoePermuteParams {
    int64_t num_tokens            = 0;
    int64_t hidden                = 0; // multiple of 8 (16-byte rows)
    int64_t top_k                 = 8;
    int64_t num_experts           = 256; // global expert ids in topk_ids
    int64_t num_local_experts     = 0;
    ExpertLayout layout           = ExpertLayout::Contiguous;
    int64_t max_tokens_per_expert = 0; // masked: rows per expert; extra tokens are dropped (slot -1)

    const bf16_t* x           = nullptr; // [num_tokens, hidden]
    const int32_t* topk_ids   = nullptr; // [num_tokens, top_k] global ids (-1: no expert)
    const int32_t* expert_map = nullptr; // [num_experts] global id -> local expert, or -1 (not on this GPU)

    bf16_t* x_perm          = nullptr; // contiguous: [num_tokens·top_k, hidden] (capacity); masked: [L, max_m, hidden]
    int32_t* expert_counts  = nullptr; // [L] (token, k) entries routed to each local expert (before dropping)
    int32_t* expert_offsets = nullptr; // contiguous: [L + 1] prefix sums of the counts; masked: may be nullptr
    int32_t* slot_rows      = nullptr; // [num_tokens, top_k] row of x_perm, or -1
    int32_t* workspace      = nullptr; // moe_permute_workspace_ints(p) int32 (device only; ref ignores it)

    MOETWIN_HD int64_t num_entries() const { return num_tokens * top_k; }
};

struct MoeUnpermuteParams {
    int64_t num_tokens = 0;
    int64_t hidden     = 0; // multiple of 8
    int64_t top_k      = 8;

    const bf16_t* y_perm      = nullptr; // rows addressed by slot_rows, row stride `hidden`
    const int32_t* slot_rows  = nullptr; // [num_tokens, top_k], -1 = not local
    const float* topk_weights = nullptr; // [num_tokens, top_k]
    const bf16_t* residual    = nullptr; // [num_tokens, hidden] added first (shared expert output), or nullptr
    bf16_t* out               = nullptr; // [num_tokens, hidden]
};

int64_t moe_permute_workspace_ints(const MoePermuteParams& p);
void validate(const MoePermuteParams& p);
void validate(const MoeUnpermuteParams& p);
void moe_permute_ref(const MoePermuteParams& p);
void moe_unpermute_ref(const MoeUnpermuteParams& p);
std::ostream& operator<<(std::ostream& out, const MoePermuteParams& p);
std::ostream& operator<<(std::ostream& out, const MoeUnpermuteParams& p);

} // namespace moetwin::kernels
