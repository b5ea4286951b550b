// SPDX-License-Identifier: Apache-2.0
// DeepSeek-V3's group-limited top-k gate (reference §1.2, tech report eq. 12–16): the selection
// step only, on given scores; shared by the router-bias simulation and the engine's CPU gate reference.
#pragma once

#include <iosfwd>
#include <span>

namespace moetwin {

// Reference §1.1: 256 experts in 8 groups of 32, top-4 groups, top-8 experts.
struct GateSpec {
    int num_experts = 256;
    int num_groups  = 8;
    int topk_groups = 4;
    int topk        = 8;

    int group_size() const { return num_experts / num_groups; }
    void validate() const; // ConfigError: divisibility, topk ≤ experts in topk_groups groups
};

std::ostream& operator<<(std::ostream& os, const GateSpec& g);

// How a group is scored (inference/model.py class Gate): the sum of its two best scores when the gate has a
// selection bias (DeepSeek-V3), its best score when it has none (DeepSeek-V2 style).
enum class GroupScore : unsigned char { TopTwoSum, Best };

// Selects gate.topk experts from `scores` [num_experts] (already biased: s_i + b_i): groups ranked by
// their group score, the best topk_groups kept, then the topk best experts among them. Writes
// out_experts [topk] in descending score order; ties go to the lower index (group or expert).
// The float overload computes in float, as the CUDA gate does; the engine's CPU reference
// (kernels::moe_gate_ref) selects through it.
void select_experts(const GateSpec& gate, std::span<const double> scores, std::span<int> out_experts,
                    GroupScore group_score = GroupScore::TopTwoSum);
void select_experts(const GateSpec& gate, std::span<const float> scores, std::span<int> out_experts,
                    GroupScore group_score = GroupScore::TopTwoSum);

} // namespace moetwin
