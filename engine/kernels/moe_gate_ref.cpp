// SPDX-License-Identifier: Apache-2.0
// DeepSeek-V3 gate: boundary checks and the CPU reference, written as model.py's Gate.forward reads.
#include "engine/kernels/moe_gate.hpp"

#include "engine/kernels/kernel_params.hpp"
#include "moe/gate.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <ostream>
#include <span>
#include <vector>

namespace moetwin::kernels {

void validate(const MoeGateParams& p) {
    const char* op = "moe_gate";
    require(p.num_tokens >= 0, op, field("num_tokens", p.num_tokens) + ": must be >= 0");
    require(p.num_experts >= 1 && p.num_experts <= kGateMaxExperts, op,
            field("num_experts", p.num_experts) + ": must be in [1, " + std::to_string(kGateMaxExperts) + "]");
    require(p.num_groups >= 1 && p.num_experts % p.num_groups == 0, op,
            field("num_groups", p.num_groups) + ": must divide num_experts");
    require(p.num_groups <= 32, op, field("num_groups", p.num_groups) + ": must be <= 32");
    require(p.topk_groups >= 1 && p.topk_groups <= p.num_groups, op,
            field("topk_groups", p.topk_groups) + ": must be in [1, num_groups]");
    require(p.top_k >= 1 && p.top_k <= kGateMaxTopK, op,
            field("top_k", p.top_k) + ": must be in [1, " + std::to_string(kGateMaxTopK) + "]");
    require(p.top_k <= p.topk_groups * (p.num_experts / p.num_groups), op,
            field("top_k", p.top_k) + ": more than the experts in the kept groups");
    if (p.bias && p.num_groups > 1)
        require(p.num_experts / p.num_groups >= 2, op, "top-2 group scores need >= 2 experts per group");
    require(p.route_scale > 0, op, "route_scale must be > 0");
    require(p.logits && p.topk_ids && p.topk_weights, op, "logits, topk_ids and topk_weights are required");
}

void moe_gate_ref(const MoeGateParams& p) {
    validate(p);
    const int64_t E = p.num_experts;
    // The selection (group scores, kept groups, top-k of the kept experts, ties to the lower index) is the
    // one gate selection of moe/gate.hpp, in float as the kernel computes; without a bias a group scores
    // its best expert, with one the sum of its best two (model.py).
    const GateSpec gate{int(E), int(p.num_groups), int(p.topk_groups), int(p.top_k)};
    const GroupScore rule = p.bias ? GroupScore::TopTwoSum : GroupScore::Best;
    std::vector<float> s(static_cast<size_t>(E)), sel(static_cast<size_t>(E));
    std::vector<int> experts(static_cast<size_t>(p.top_k));
    for (int64_t t = 0; t < p.num_tokens; ++t) {
        for (int64_t e = 0; e < E; ++e) {
            s[size_t(e)]   = 1.0f / (1.0f + std::exp(-p.logits[t * E + e]));
            sel[size_t(e)] = p.bias ? s[size_t(e)] + p.bias[e] : s[size_t(e)];
        }
        select_experts(gate, std::span<const float>(sel), std::span<int>(experts), rule);
        double sum = 0;
        for (int64_t i = 0; i < p.top_k; ++i)
            sum += s[size_t(experts[size_t(i)])];
        for (int64_t i = 0; i < p.top_k; ++i) {
            const int e                     = experts[size_t(i)];
            p.topk_ids[t * p.top_k + i]     = int32_t(e);
            p.topk_weights[t * p.top_k + i] = float(s[size_t(e)] / sum * p.route_scale);
        }
    }
}

std::ostream& operator<<(std::ostream& out, const MoeGateParams& p) {
    return out << "MoeGate{tokens=" << p.num_tokens << " experts=" << p.num_experts << " groups=" << p.num_groups
               << " topk_groups=" << p.topk_groups << " top_k=" << p.top_k << " route_scale=" << p.route_scale
               << " bias=" << (p.bias ? "yes" : "no") << "}";
}

} // namespace moetwin::kernels
