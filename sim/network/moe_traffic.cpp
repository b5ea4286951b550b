// SPDX-License-Identifier: Apache-2.0
// sample_moe_traffic(): popularity, replica placement, top-k by the gate law.
#include "sim/network/moe_traffic.hpp"

#include "common/errors.hpp"
#include "common/rng.hpp"
#include "moe/gate_law.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <vector>

namespace moetwin {

TrafficMatrix sample_moe_traffic(const MoeTrafficSettings& s) {
    const int slots = s.num_experts + s.redundant_experts;
    if (s.num_ranks < 1 || slots % s.num_ranks != 0 || s.redundant_experts > s.num_experts ||
        s.num_topk > s.num_experts)
        throw ConfigError("moe traffic: " + std::to_string(slots) + " expert slots over " +
                          std::to_string(s.num_ranks) + " ranks");
    Rng popularity(s.seed, 0), rng(s.seed, 1);
    std::vector<double> weight(std::size_t(s.num_experts));
    for (double& w : weight)
        w = popularity.lognormal(0.0, s.popularity_sigma);

    // Replicas: the hottest experts get a second copy; each replica serves an equal share.
    std::vector<int> order(std::size_t(s.num_experts));
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(),
              [&](int a, int b) { return weight[std::size_t(a)] > weight[std::size_t(b)]; });
    std::vector<int> replicas(std::size_t(s.num_experts), 1);
    for (int i = 0; i < s.redundant_experts; ++i)
        replicas[std::size_t(order[std::size_t(i)])] = 2;
    struct Slot {
        int expert;
        double load;
    };
    std::vector<Slot> all;
    for (int e = 0; e < s.num_experts; ++e)
        for (int k = 0; k < replicas[std::size_t(e)]; ++k)
            all.push_back({e, weight[std::size_t(e)] / replicas[std::size_t(e)]});
    std::sort(all.begin(), all.end(), [](const Slot& a, const Slot& b) { return a.load > b.load; });
    const int per_rank = slots / s.num_ranks;
    std::vector<double> rank_load(std::size_t(s.num_ranks), 0);
    std::vector<int> rank_used(std::size_t(s.num_ranks), 0);
    std::vector<std::vector<int>> expert_ranks(std::size_t(s.num_experts));
    for (const Slot& slot : all) {
        int best = -1;
        for (int r = 0; r < s.num_ranks; ++r)
            if (rank_used[std::size_t(r)] < per_rank &&
                (best < 0 || rank_load[std::size_t(r)] < rank_load[std::size_t(best)]))
                best = r;
        rank_used[std::size_t(best)]++;
        rank_load[std::size_t(best)] += slot.load;
        expert_ranks[std::size_t(slot.expert)].push_back(best);
    }

    // Top-k without replacement, probability proportional to weight: the gate law (gate_law.hpp)
    // with one group holding every expert, i.e. Plackett–Luce over all experts, no node limit.
    const GateSpec gate{s.num_experts, 1, 1, s.num_topk};
    gate.validate();
    const double total_weight = std::accumulate(weight.begin(), weight.end(), 0.0);
    GateDrawScratch scratch;
    TrafficMatrix t(s.num_ranks, s.gpus_per_node);
    std::vector<int> experts(std::size_t(s.num_topk)), dst(std::size_t(s.num_topk));
    for (int r = 0; r < s.num_ranks; ++r)
        for (int tok = 0; tok < s.tokens_per_rank; ++tok) {
            draw_gate_token(gate, weight, {&total_weight, 1}, {}, rng, scratch, experts);
            for (int k = 0; k < s.num_topk; ++k) { // a replica uniformly
                const auto& where   = expert_ranks[std::size_t(experts[std::size_t(k)])];
                dst[std::size_t(k)] = where[std::size_t(rng.next() % where.size())];
            }
            t.add_token(r, dst);
        }
    return t;
}

} // namespace moetwin
