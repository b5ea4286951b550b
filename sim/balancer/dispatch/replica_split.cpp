// SPDX-License-Identifier: Apache-2.0
// split_replicas(): the counts reduction, the exact min-max solve and the per-replica intervals.
#include "sim/balancer/dispatch/replica_split.hpp"
#include "sim/balancer/dispatch/min_max_flow.hpp"

#include "common/errors.hpp"

#include <algorithm>
#include <string>

namespace moetwin::balancer {

ReplicaSplit split_replicas_from_totals(const Placement& p, const PlacementSpec& s, int layer,
                                        std::span<const int64_t> expert_total, int num_ranks) {
    if (int(expert_total.size()) != p.num_experts || layer < 0 || layer >= p.num_layers || num_ranks < 1)
        throw ConfigError("split_replicas: " + std::to_string(expert_total.size()) + " totals for " +
                          std::to_string(p.num_experts) + " experts, layer " + std::to_string(layer));
    ReplicaSplit out;
    out.expert_total.assign(expert_total.begin(), expert_total.end());
    out.slot_count.assign(std::size_t(s.num_slots), 0);
    out.slot_start.assign(std::size_t(s.num_slots), 0);
    out.sum_ops = int64_t(num_ranks) * p.num_experts;
    out.ops     = s.num_slots;
    for (int e = 0; e < p.num_experts; ++e)
        if (const auto n = int64_t(p.replicas(layer, e).size()); n > 1)
            out.match_ops += num_ranks + n * (s.gpus_per_node() + 1);

    MinMaxProblem prob;
    prob.num_gpus = s.num_gpus;
    prob.fixed_load.assign(std::size_t(s.num_gpus), 0);
    std::vector<int> item_expert;
    for (int e = 0; e < p.num_experts; ++e) {
        const auto rep = p.replicas(layer, e);
        if (rep.empty() || expert_total[std::size_t(e)] == 0) continue;
        std::vector<int> gpus;
        for (int sl : rep)
            if (std::find(gpus.begin(), gpus.end(), s.gpu_of_slot(sl)) == gpus.end()) gpus.push_back(s.gpu_of_slot(sl));
        if (gpus.size() == 1) {
            prob.fixed_load[std::size_t(gpus[0])] += expert_total[std::size_t(e)];
            continue;
        }
        item_expert.push_back(e);
        prob.item_weight.push_back(expert_total[std::size_t(e)]);
        prob.item_gpus.push_back(std::move(gpus));
    }
    const MinMaxSolution sol = solve_min_max(prob);
    out.max_load             = sol.max_load;
    out.ops += sol.ops;

    // Per expert: its GPUs' shares over its replicas on each GPU, then intervals in log2phy order.
    std::vector<int64_t> gpu_share(std::size_t(s.num_gpus), 0);
    std::vector<int> gpu_left(std::size_t(s.num_gpus), 0);
    std::size_t item = 0;
    for (int e = 0; e < p.num_experts; ++e) {
        const auto rep = p.replicas(layer, e);
        if (rep.empty() || expert_total[std::size_t(e)] == 0) continue;
        const bool solved = item < item_expert.size() && item_expert[item] == e;
        for (int sl : rep)
            gpu_share[std::size_t(s.gpu_of_slot(sl))] = 0, ++gpu_left[std::size_t(s.gpu_of_slot(sl))];
        if (solved)
            for (std::size_t j = 0; j < prob.item_gpus[item].size(); ++j)
                gpu_share[std::size_t(prob.item_gpus[item][j])] = sol.item_gpu_flow[item][j];
        else
            gpu_share[std::size_t(s.gpu_of_slot(rep[0]))] = expert_total[std::size_t(e)];
        item += solved;
        // Replica r on GPU g takes ceil or floor of share(g) / replicas left on g, in order.
        int64_t start = 0;
        for (int sl : rep) {
            const std::size_t g = std::size_t(s.gpu_of_slot(sl));
            const int64_t n     = (gpu_share[g] + gpu_left[g] - 1) / gpu_left[g];
            gpu_share[g] -= n;
            --gpu_left[g];
            out.slot_count[std::size_t(sl)] = n;
            out.slot_start[std::size_t(sl)] = start;
            start += n;
        }
    }
    return out;
}

ReplicaSplit split_replicas(const Placement& p, const PlacementSpec& s, int layer, std::span<const int64_t> rank_counts,
                            int num_ranks) {
    if (num_ranks < 1 || rank_counts.size() != std::size_t(num_ranks) * std::size_t(p.num_experts))
        throw ConfigError("split_replicas: " + std::to_string(rank_counts.size()) + " counts, expected " +
                          std::to_string(num_ranks) + " ranks x " + std::to_string(p.num_experts) + " experts");
    std::vector<int64_t> total(std::size_t(p.num_experts), 0);
    for (int r = 0; r < num_ranks; ++r)
        for (int e = 0; e < p.num_experts; ++e)
            total[std::size_t(e)] += rank_counts[std::size_t(r) * std::size_t(p.num_experts) + std::size_t(e)];
    return split_replicas_from_totals(p, s, layer, total, num_ranks);
}

} // namespace moetwin::balancer
