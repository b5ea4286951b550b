// SPDX-License-Identifier: Apache-2.0
// Intent (ours): EPLB's replica counts, then a global longest-processing-time packing and a
// swap local search that keeps lowering the busiest GPU until no swap helps.
#include "sim/balancer/placement/lpt_swap.hpp"
#include "sim/balancer/placement/eplb_core.hpp"
#include "sim/balancer/placement/policies.hpp"

#include <algorithm>
#include <numeric>

namespace moetwin::balancer {

// NOTES: a swap exchanges replica a on the busiest GPU with a lighter replica b on GPU h; it is
// taken when both GPUs end below the old maximum, so the sorted load vector decreases
// lexicographically and the search terminates (it is also capped at max_swaps). Each step picks the
// swap with the lowest resulting pair maximum. Cost per step: slots_per_gpu² × num_gpus.
void improve_by_swaps(std::span<const double> item_load, int num_gpus, std::span<int> gpu_of_item, int max_swaps,
                      double stop_ratio) {
    const int n = static_cast<int>(item_load.size());
    std::vector<double> gpu_load(num_gpus, 0.0);
    std::vector<std::vector<int>> items(num_gpus);
    std::vector<std::vector<double>> loads(num_gpus); // loads[g][j] = item_load[items[g][j]]
    double total = 0, biggest = 0;
    for (int i = 0; i < n; ++i) {
        gpu_load[gpu_of_item[i]] += item_load[i];
        items[gpu_of_item[i]].push_back(i);
        loads[gpu_of_item[i]].push_back(item_load[i]);
        total += item_load[i];
        biggest = std::max(biggest, item_load[i]);
    }
    // No packing beats max(mean GPU, largest item); stop once within stop_ratio of that bound.
    const double good_enough        = std::max(total / num_gpus, biggest) * stop_ratio;
    constexpr double kRel           = 1e-12; // ignore swaps that gain less than rounding
    constexpr std::size_t kSmallBin = 16;    // up to this many items per GPU, try every pair
    std::vector<std::size_t> sorted;
    std::vector<int> by_load(num_gpus);
    std::iota(by_load.begin(), by_load.end(), 0);
    for (int step = 0; step < max_swaps; ++step) {
        const int top         = static_cast<int>(std::max_element(gpu_load.begin(), gpu_load.end()) - gpu_load.begin());
        const double top_load = gpu_load[top];
        if (top_load <= good_enough) break;
        double best_pair_max = top_load * (1 - kRel);
        int best_a = -1, best_b = -1, best_h = -1;
        // Lightest GPUs first: a swap moving d ∈ (0, gap) gives pair max top − min(d, gap − d) ≥ top − gap / 2,
        // so once that bound cannot beat the best swap found, no heavier GPU can either.
        std::sort(by_load.begin(), by_load.end(), [&](int x, int y) { return gpu_load[x] < gpu_load[y]; });
        for (int h : by_load) {
            const double gap = top_load - gpu_load[h];
            if (top_load - gap / 2 >= best_pair_max) break;
            if (h == top) continue;
            auto consider = [&](std::size_t ia, std::size_t ib) {
                const double d = loads[top][ia] - loads[h][ib];
                if (d <= 0 || d >= gap) return;
                const double pair_max = top_load - std::min(d, gap - d);
                if (pair_max < best_pair_max)
                    best_pair_max = pair_max, best_a = static_cast<int>(ia), best_b = static_cast<int>(ib), best_h = h;
            };
            if (loads[h].size() <= kSmallBin) {
                for (std::size_t ia = 0; ia < loads[top].size(); ++ia)
                    for (std::size_t ib = 0; ib < loads[h].size(); ++ib)
                        consider(ia, ib);
                continue;
            }
            // Large bins: for each a, the best b has load nearest ra − gap / 2; binary search a sorted copy.
            sorted.resize(loads[h].size());
            std::iota(sorted.begin(), sorted.end(), 0);
            std::sort(sorted.begin(), sorted.end(),
                      [&](std::size_t x, std::size_t y) { return loads[h][x] < loads[h][y]; });
            for (std::size_t ia = 0; ia < loads[top].size(); ++ia) {
                const double want = loads[top][ia] - gap / 2;
                const auto it     = std::lower_bound(sorted.begin(), sorted.end(), want,
                                                     [&](std::size_t x, double v) { return loads[h][x] < v; });
                if (it != sorted.end()) consider(ia, *it);
                if (it != sorted.begin()) consider(ia, *(it - 1));
            }
        }
        if (best_a < 0) break;
        const double d = loads[top][best_a] - loads[best_h][best_b];
        gpu_load[top] -= d;
        gpu_load[best_h] += d;
        gpu_of_item[items[top][best_a]]    = best_h;
        gpu_of_item[items[best_h][best_b]] = top;
        std::swap(items[top][best_a], items[best_h][best_b]);
        std::swap(loads[top][best_a], loads[best_h][best_b]);
    }
}

// Stop the search once the busiest GPU is within 0.01 % of the lower bound: the last swaps cost
// most of the run time and change busiest/mean in the fifth digit.
constexpr double kStopGap = 1e-4;

Placement place_lpt_swap(const ExpertLoad& load, const PlacementSpec& spec) {
    spec.validate(load.num_experts);
    const int S = spec.num_slots, G = spec.num_gpus;
    std::vector<int> phy2log(static_cast<std::size_t>(load.num_layers) * S);
    std::vector<int> rep2log, rank, count, gpu, slot_rank;
    std::vector<double> rep_load(S);
    std::vector<int> capacity(G);
    for (int g = 0; g < G; ++g)
        capacity[g] = spec.slots_on_gpu(g);
    for (int l = 0; l < load.num_layers; ++l) {
        const auto w = load.layer(l);
        eplb::replicate_experts(w, S, rep2log, rank, count);
        for (int r = 0; r < S; ++r)
            rep_load[r] = w[rep2log[r]] / count[rep2log[r]];
        eplb::balanced_packing(rep_load, capacity, gpu, slot_rank); // swaps keep the counts
        improve_by_swaps(rep_load, G, gpu, 8 * S, 1 + kStopGap);
        std::vector<int> used(G, 0);
        int* row = phy2log.data() + static_cast<std::size_t>(l) * S;
        for (int r = 0; r < S; ++r)
            row[spec.first_slot(gpu[r]) + used[gpu[r]]++] = rep2log[r];
    }
    return make_placement(load.num_layers, load.num_experts, S, std::move(phy2log));
}

} // namespace moetwin::balancer
