// SPDX-License-Identifier: Apache-2.0
// Token permutation / weighted unpermutation: boundary checks and CPU references.
#include "engine/kernels/moe_permute.hpp"

#include "engine/kernels/kernel_params.hpp"

#include <algorithm>
#include <ostream>
#include <vector>

namespace moetwin::kernels {

int64_t moe_permute_workspace_ints(const MoePermuteParams& p) {
    // per chunk and local expert: counts, then base offsets
    return 2 * std::max<int64_t>(ceil_div(p.num_entries(), kPermuteChunk), 1) * p.num_local_experts;
}

void validate(const MoePermuteParams& p) {
    const char* op = "moe_permute";
    require(p.num_tokens >= 0, op, field("num_tokens", p.num_tokens) + ": must be >= 0");
    require(p.hidden > 0 && p.hidden % 8 == 0, op, field("hidden", p.hidden) + ": must be a positive multiple of 8");
    require(p.top_k >= 1, op, field("top_k", p.top_k) + ": must be >= 1");
    require(p.num_experts >= 1, op, field("num_experts", p.num_experts) + ": must be >= 1");
    require(p.num_local_experts >= 1 && p.num_local_experts <= 1024, op,
            field("num_local_experts", p.num_local_experts) + ": must be in [1, 1024]");
    require(p.num_entries() < (int64_t(1) << 31), op, "num_tokens * top_k must fit in int32");
    require(p.x && p.topk_ids && p.expert_map && p.x_perm && p.expert_counts && p.slot_rows, op,
            "x, topk_ids, expert_map, x_perm, expert_counts and slot_rows are required");
    if (p.layout == ExpertLayout::Contiguous)
        require(p.expert_offsets != nullptr, op, "contiguous layout needs expert_offsets");
    else
        require(p.max_tokens_per_expert >= 1, op,
                field("max_tokens_per_expert", p.max_tokens_per_expert) + ": masked layout needs >= 1");
}

void validate(const MoeUnpermuteParams& p) {
    const char* op = "moe_unpermute";
    require(p.num_tokens >= 0, op, field("num_tokens", p.num_tokens) + ": must be >= 0");
    require(p.hidden > 0 && p.hidden % 8 == 0, op, field("hidden", p.hidden) + ": must be a positive multiple of 8");
    require(p.top_k >= 1, op, field("top_k", p.top_k) + ": must be >= 1");
    require(p.y_perm && p.slot_rows && p.topk_weights && p.out, op,
            "y_perm, slot_rows, topk_weights and out are required");
}

void moe_permute_ref(const MoePermuteParams& p) {
    validate(p);
    const int64_t L = p.num_local_experts;
    std::vector<int64_t> count(size_t(L), 0);
    std::vector<int32_t> rank(size_t(p.num_entries()), -1), local(size_t(p.num_entries()), -1);
    for (int64_t i = 0; i < p.num_entries(); ++i) { // (token, k) order: rank within the expert
        const int32_t e = p.topk_ids[i];
        if (e < 0 || e >= p.num_experts) continue;
        const int32_t l = p.expert_map[e];
        if (l < 0 || l >= L) continue;
        local[size_t(i)] = l;
        rank[size_t(i)]  = int32_t(count[size_t(l)]++);
    }
    std::vector<int64_t> offset(size_t(L) + 1, 0);
    for (int64_t l = 0; l < L; ++l) {
        p.expert_counts[l]    = int32_t(count[size_t(l)]);
        offset[size_t(l) + 1] = offset[size_t(l)] + count[size_t(l)];
    }
    if (p.expert_offsets)
        for (int64_t l = 0; l <= L; ++l)
            p.expert_offsets[l] = int32_t(offset[size_t(l)]);
    for (int64_t i = 0; i < p.num_entries(); ++i) {
        int32_t row = -1;
        if (local[size_t(i)] >= 0) {
            const int64_t l = local[size_t(i)];
            if (p.layout == ExpertLayout::Contiguous)
                row = int32_t(offset[size_t(l)] + rank[size_t(i)]);
            else if (rank[size_t(i)] < p.max_tokens_per_expert)
                row = int32_t(l * p.max_tokens_per_expert + rank[size_t(i)]);
        }
        p.slot_rows[i] = row;
        if (row >= 0) std::copy_n(p.x + (i / p.top_k) * p.hidden, p.hidden, p.x_perm + int64_t(row) * p.hidden);
    }
}

void moe_unpermute_ref(const MoeUnpermuteParams& p) {
    validate(p);
    std::vector<float> acc(size_t(p.hidden));
    for (int64_t t = 0; t < p.num_tokens; ++t) {
        for (int64_t c = 0; c < p.hidden; ++c)
            acc[size_t(c)] = p.residual ? to_float(p.residual[t * p.hidden + c]) : 0.0f;
        for (int64_t k = 0; k < p.top_k; ++k) {
            const int32_t row = p.slot_rows[t * p.top_k + k];
            if (row < 0) continue;
            const float w = p.topk_weights[t * p.top_k + k];
            for (int64_t c = 0; c < p.hidden; ++c)
                acc[size_t(c)] += w * to_float(p.y_perm[int64_t(row) * p.hidden + c]);
        }
        for (int64_t c = 0; c < p.hidden; ++c)
            p.out[t * p.hidden + c] = to_bf16(acc[size_t(c)]);
    }
}

std::ostream& operator<<(std::ostream& out, const MoePermuteParams& p) {
    out << "MoePermute{tokens=" << p.num_tokens << " hidden=" << p.hidden << " top_k=" << p.top_k
        << " experts=" << p.num_experts << " local=" << p.num_local_experts
        << " layout=" << (p.layout == ExpertLayout::Masked ? "masked" : "contiguous");
    if (p.layout == ExpertLayout::Masked) out << " max_m=" << p.max_tokens_per_expert;
    return out << "}";
}

std::ostream& operator<<(std::ostream& out, const MoeUnpermuteParams& p) {
    return out << "MoeUnpermute{tokens=" << p.num_tokens << " hidden=" << p.hidden << " top_k=" << p.top_k
               << " residual=" << (p.residual ? "yes" : "no") << "}";
}

} // namespace moetwin::kernels
