// SPDX-License-Identifier: Apache-2.0
// Group-limited top-k selection as in DeepSeek-V3 inference/model.py class Gate (reference §1.2).
#include "moe/gate.hpp"

#include "common/errors.hpp"

#include <algorithm>
#include <array>
#include <limits>
#include <ostream>
#include <string>
#include <vector>

namespace moetwin {

void GateSpec::validate() const {
    if (num_experts < 1 || num_groups < 1 || num_experts % num_groups != 0)
        throw ConfigError("gate: num_experts (" + std::to_string(num_experts) +
                          ") must be a positive multiple of "
                          "num_groups (" +
                          std::to_string(num_groups) + ")");
    if (topk_groups < 1 || topk_groups > num_groups)
        throw ConfigError("gate: topk_groups must be in [1, num_groups], got " + std::to_string(topk_groups));
    if (topk < 1 || topk > topk_groups * group_size())
        throw ConfigError("gate: topk must be in [1, topk_groups × group size], got " + std::to_string(topk));
    if (group_size() < 2) throw ConfigError("gate: groups need ≥ 2 experts (group score = top-2 sum)");
}

std::ostream& operator<<(std::ostream& os, const GateSpec& g) {
    return os << "GateSpec{num_experts=" << g.num_experts << ", num_groups=" << g.num_groups
              << ", topk_groups=" << g.topk_groups << ", topk=" << g.topk << "}";
}

namespace {

template <class Score>
void select_top(const GateSpec& gate, std::span<const Score> scores, std::span<int> out_experts, GroupScore rule) {
    MOETWIN_ASSERT(static_cast<int>(scores.size()) == gate.num_experts, "select_experts: scores shape");
    MOETWIN_ASSERT(static_cast<int>(out_experts.size()) == gate.topk, "select_experts: output shape");
    const int gs = gate.group_size();
    thread_local std::vector<Score> group_score;
    thread_local std::vector<int> groups, candidates;
    group_score.assign(gate.num_groups, Score(0));
    for (int g = 0; g < gate.num_groups; ++g) {
        Score a = -std::numeric_limits<Score>::infinity(), b = a; // best two
        for (int i = g * gs; i < (g + 1) * gs; ++i) {
            const Score s = scores[i];
            if (s > a)
                b = a, a = s;
            else if (s > b)
                b = s;
        }
        group_score[g] = rule == GroupScore::TopTwoSum ? a + b : a;
    }
    groups.resize(gate.num_groups);
    for (int g = 0; g < gate.num_groups; ++g)
        groups[g] = g;
    std::partial_sort(groups.begin(), groups.begin() + gate.topk_groups, groups.end(), [&](int x, int y) {
        return group_score[x] > group_score[y] || (group_score[x] == group_score[y] && x < y);
    });
    candidates.clear();
    for (int k = 0; k < gate.topk_groups; ++k)
        for (int i = groups[k] * gs; i < (groups[k] + 1) * gs; ++i)
            candidates.push_back(i);
    std::partial_sort(candidates.begin(), candidates.begin() + gate.topk, candidates.end(),
                      [&](int x, int y) { return scores[x] > scores[y] || (scores[x] == scores[y] && x < y); });
    std::copy_n(candidates.begin(), gate.topk, out_experts.begin());
}

} // namespace

void select_experts(const GateSpec& gate, std::span<const double> scores, std::span<int> out_experts,
                    GroupScore group_score) {
    select_top(gate, scores, out_experts, group_score);
}

void select_experts(const GateSpec& gate, std::span<const float> scores, std::span<int> out_experts,
                    GroupScore group_score) {
    select_top(gate, scores, out_experts, group_score);
}

} // namespace moetwin
