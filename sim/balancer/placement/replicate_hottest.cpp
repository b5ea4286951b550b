// SPDX-License-Identifier: Apache-2.0
// Intent: a greedy baseline — keep the contiguous layout of `none` and give each spare slot a copy
// of the expert with the largest load per replica, on the lightest GPU that has a free slot.
#include "sim/balancer/placement/policies.hpp"

#include <algorithm>

namespace moetwin::balancer {

// NOTES: a copy of the hottest expert is only made when it does not raise the layer's busiest GPU.
// Spare slots that cannot take one hold a second copy of the busiest expert already on their GPU, which
// moves no load between GPUs: every slot holds an expert (a deployed GPU's slot is never empty), and
// the policy never does worse than `none`.
Placement place_replicate_hottest(const ExpertLoad& load, const PlacementSpec& spec) {
    Placement base = place_none(load, spec);
    const int E = load.num_experts, S = spec.num_slots, G = spec.num_gpus;
    std::vector<int> phy2log = base.phy2log;
    std::vector<int> count(E);
    std::vector<double> gpu_load(G);
    for (int l = 0; l < load.num_layers; ++l) {
        const auto w = load.layer(l);
        int* row     = phy2log.data() + static_cast<std::size_t>(l) * S;
        std::fill(count.begin(), count.end(), 0);
        for (int s = 0; s < S; ++s)
            if (row[s] != kEmptySlot) ++count[row[s]];
        auto recompute = [&] {
            std::fill(gpu_load.begin(), gpu_load.end(), 0.0);
            for (int s = 0; s < S; ++s)
                if (row[s] != kEmptySlot) gpu_load[spec.gpu_of_slot(s)] += w[row[s]] / count[row[s]];
        };
        recompute();
        for (int spare = S - E; spare > 0; --spare) {
            int hot = 0;
            for (int e = 1; e < E; ++e)
                if (w[e] / count[e] > w[hot] / count[hot]) hot = e;
            int target = -1;
            for (int g = 0; g < G; ++g) {
                const bool has_free = std::count(row + spec.first_slot(g),
                                                 row + spec.first_slot(g) + spec.slots_on_gpu(g), kEmptySlot) > 0;
                if (has_free && (target < 0 || gpu_load[g] < gpu_load[target])) target = g;
            }
            if (target < 0 || w[hot] <= 0) break;
            const double before = *std::max_element(gpu_load.begin(), gpu_load.end());
            int* first          = row + spec.first_slot(target);
            int* free_slot      = std::find(first, first + spec.slots_on_gpu(target), kEmptySlot);
            *free_slot          = hot;
            ++count[hot];
            recompute();
            if (*std::max_element(gpu_load.begin(), gpu_load.end()) > before) { // undo, stop this layer
                *free_slot = kEmptySlot;
                --count[hot];
                recompute();
                break;
            }
        }
        // Fill what is left on each GPU with copies of its own busiest expert (GPU loads unchanged).
        for (int g = 0; g < G; ++g) {
            int busiest     = kEmptySlot;
            const int begin = spec.first_slot(g), end = begin + spec.slots_on_gpu(g);
            for (int s = begin; s < end; ++s)
                if (row[s] != kEmptySlot && (busiest == kEmptySlot || w[row[s]] > w[busiest])) busiest = row[s];
            if (busiest == kEmptySlot) { // an all-empty GPU: the hottest expert per replica overall
                busiest = 0;
                for (int e = 1; e < E; ++e)
                    if (w[e] / count[e] > w[busiest] / count[busiest]) busiest = e;
            }
            for (int s = begin; s < end; ++s)
                if (row[s] == kEmptySlot) {
                    row[s] = busiest;
                    ++count[busiest];
                }
        }
    }
    return make_placement(load.num_layers, E, S, std::move(phy2log));
}

} // namespace moetwin::balancer
