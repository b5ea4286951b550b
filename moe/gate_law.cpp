// SPDX-License-Identifier: Apache-2.0
// draw_gate_token(): the reference sampler of the gate law, steps 1–3 of gate_law.hpp.
#include "moe/gate_law.hpp"

#include "common/errors.hpp"

#include <algorithm>
#include <tuple>
#include <utility>

namespace moetwin {
namespace {

// Step 1: gate.topk_groups groups without replacement, each with probability proportional to its
// weight among the groups left. Leaves s.groups in draw order and s.remaining[g] = group_weight[g]
// for the kept groups.
void draw_groups(const GateSpec& gate, std::span<const double> group_weight, Rng& rng, GateDrawScratch& s) {
    s.remaining.assign(group_weight.begin(), group_weight.end());
    s.groups.clear();
    for (int k = 0; k < gate.topk_groups; ++k) {
        double total = 0;
        for (int g = 0; g < gate.num_groups; ++g)
            total += s.remaining[std::size_t(g)];
        double u = rng.uniform() * total;
        int pick = -1;
        for (int g = 0; g < gate.num_groups; ++g) {
            if (s.remaining[std::size_t(g)] <= 0) continue;
            pick = g;
            if ((u -= s.remaining[std::size_t(g)]) < 0) break;
        }
        s.groups.push_back(pick);
        s.remaining[std::size_t(pick)] = 0;
    }
    for (int g : s.groups)
        s.remaining[std::size_t(g)] = group_weight[std::size_t(g)];
}

// s.remaining[g] = the weight of the experts of kept group g that `eligible` admits.
template <class Eligible>
void sum_eligible(const GateSpec& gate, std::span<const double> w, GateDrawScratch& s, Eligible eligible) {
    const int gs = gate.group_size();
    for (int g : s.groups) {
        double sum = 0;
        for (int i = g * gs; i < (g + 1) * gs; ++i)
            sum += eligible(i) ? w[std::size_t(i)] : 0.0;
        s.remaining[std::size_t(g)] = sum;
    }
}

// Step 2, one expert: among the experts of the kept groups that `eligible` admits, proportional to
// w, as a group by its eligible weight left (s.remaining), then an expert inside it by a scan.
// Returns {expert, group drawn}; expert -1 when none is eligible.
template <class Eligible>
std::pair<int, int> draw_expert(const GateSpec& gate, std::span<const double> w, const GateDrawScratch& s, Rng& rng,
                                Eligible eligible) {
    const int gs = gate.group_size();
    double total = 0;
    for (int g : s.groups)
        total += std::max(s.remaining[std::size_t(g)], 0.0);
    double u  = rng.uniform() * total;
    int group = s.groups.back();
    for (int g : s.groups) {
        if (s.remaining[std::size_t(g)] <= 0) continue;
        group = g;
        if ((u -= s.remaining[std::size_t(g)]) < 0) break;
    }
    double v = rng.uniform() * std::max(s.remaining[std::size_t(group)], 0.0);
    int pick = -1;
    for (int i = group * gs; i < (group + 1) * gs; ++i) {
        if (!eligible(i)) continue;
        pick = i;
        if ((v -= w[std::size_t(i)]) < 0) break;
    }
    if (pick < 0) // rounding left this group empty: any eligible expert of a kept group
        for (int g : s.groups)
            for (int i = g * gs; i < (g + 1) * gs && pick < 0; ++i)
                if (eligible(i)) pick = i;
    return {pick, group};
}

} // namespace

bool draw_gate_token(const GateSpec& gate, std::span<const double> w, std::span<const double> group_weight,
                     const NodeLimit& limit, Rng& rng, GateDrawScratch& s, std::span<int> out) {
    MOETWIN_ASSERT(int(w.size()) == gate.num_experts && int(group_weight.size()) == gate.num_groups &&
                       int(out.size()) == gate.topk,
                   "draw_gate_token: shapes");
    MOETWIN_ASSERT(limit.max_nodes <= 0 || int(limit.node_of_expert.size()) == gate.num_experts,
                   "draw_gate_token: node_of_expert shape");
    s.taken.resize(std::size_t(gate.num_experts), 0);
    s.nodes.clear();
    draw_groups(gate, group_weight, rng, s); // step 1

    // Step 3's rule: free, and while the token spans M nodes or more, on one of them.
    const bool limited = limit.max_nodes > 0;
    auto node_of       = [&](int i) { return limit.node_of_expert[std::size_t(i)]; };
    auto on_token_node = [&](int i) { return std::find(s.nodes.begin(), s.nodes.end(), node_of(i)) != s.nodes.end(); };
    auto is_free       = [&](int i) { return !s.taken[std::size_t(i)]; };
    auto eligible      = [&](int i) {
        return is_free(i) && (!limited || int(s.nodes.size()) < limit.max_nodes || on_token_node(i));
    };
    bool relaxed = false;
    for (int k = 0; k < gate.topk; ++k) { // step 2, with step 3's eligibility
        auto [pick, group] = draw_expert(gate, w, s, rng, eligible);
        const bool lifted  = pick < 0;
        if (lifted) { // nothing eligible within the token's nodes: this pick may open one more node
            sum_eligible(gate, w, s, is_free);
            std::tie(pick, group) = draw_expert(gate, w, s, rng, is_free);
            relaxed               = true;
        }
        s.taken[std::size_t(pick)] = 1;
        s.remaining[std::size_t(group)] -= w[std::size_t(pick)];
        out[std::size_t(k)] = pick;
        if (!limited) continue;
        const bool new_node = !on_token_node(pick);
        if (new_node) s.nodes.push_back(node_of(pick));
        // The eligible set changes (not only by the pick) when the token reaches M nodes, and
        // after a lift (back from all free experts to those on the token's nodes).
        if (lifted || (new_node && int(s.nodes.size()) == limit.max_nodes)) sum_eligible(gate, w, s, eligible);
    }
    for (int e : out)
        s.taken[std::size_t(e)] = 0;
    return relaxed;
}

} // namespace moetwin
