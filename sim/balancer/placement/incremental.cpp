// SPDX-License-Identifier: Apache-2.0
// Intent (ours): re-place from the placement in force — fix replica counts, then swap — so that a
// rebalance moves a few experts instead of reshuffling every GPU.
#include "sim/balancer/placement/incremental.hpp"

#include "sim/balancer/placement/eplb_core.hpp"
#include "sim/balancer/placement/lpt_swap.hpp"

#include "common/errors.hpp"

#include <algorithm>

namespace moetwin::balancer {

Placement place_incremental(const Placement& previous, const ExpertLoad& load, const PlacementSpec& spec) {
    spec.validate(load.num_experts);
    if (previous.num_layers != load.num_layers || previous.num_experts != load.num_experts ||
        previous.num_slots != spec.num_slots)
        throw ConfigError("incremental placement: the previous placement does not match the load and spec");
    const int E = load.num_experts, S = spec.num_slots, G = spec.num_gpus;
    std::vector<int> phy2log(previous.phy2log);
    std::vector<int> rep2log, rank, want, have(E), order;
    std::vector<double> gpu_load(G), share(S);
    for (int l = 0; l < load.num_layers; ++l) {
        const auto w = load.layer(l);
        int* row     = phy2log.data() + static_cast<std::size_t>(l) * S;
        eplb::replicate_experts(w, S, rep2log, rank, want);
        // Free surplus replicas (the last ones in slot order), then fill free slots on the lightest GPUs.
        std::fill(have.begin(), have.end(), 0);
        for (int s = 0; s < S; ++s)
            if (row[s] != kEmptySlot) ++have[row[s]];
        for (int s = S - 1; s >= 0; --s)
            if (row[s] != kEmptySlot && have[row[s]] > want[row[s]]) --have[row[s]], row[s] = kEmptySlot;
        std::fill(gpu_load.begin(), gpu_load.end(), 0.0);
        for (int s = 0; s < S; ++s)
            if (row[s] != kEmptySlot) gpu_load[spec.gpu_of_slot(s)] += w[row[s]] / want[row[s]];
        order.clear();
        for (int e = 0; e < E; ++e)
            for (int k = have[e]; k < want[e]; ++k)
                order.push_back(e);
        std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return w[a] / want[a] > w[b] / want[b]; });
        for (int e : order) {
            int best = -1;
            for (int s = 0; s < S; ++s)
                if (row[s] == kEmptySlot &&
                    (best < 0 || gpu_load[spec.gpu_of_slot(s)] < gpu_load[spec.gpu_of_slot(best)]))
                    best = s;
            MOETWIN_ASSERT(best >= 0, "incremental placement: no free slot");
            row[best] = e;
            gpu_load[spec.gpu_of_slot(best)] += w[e] / want[e];
        }
        // Swaps between GPUs; slots keep their expert unless swapped.
        std::vector<int> gpu_of(S);
        for (int s = 0; s < S; ++s)
            share[s] = w[row[s]] / want[row[s]], gpu_of[s] = spec.gpu_of_slot(s);
        improve_by_swaps(share, G, gpu_of, 8 * S, 1.0001);
        // Items that stayed keep their slot; a moved item takes a slot its GPU's departed items left.
        std::vector<int> next(S, kEmptySlot);
        for (int s = 0; s < S; ++s)
            if (gpu_of[s] == spec.gpu_of_slot(s)) next[s] = row[s];
        for (int s = 0; s < S; ++s) {
            if (gpu_of[s] == spec.gpu_of_slot(s)) continue;
            int* first = next.data() + spec.first_slot(gpu_of[s]);
            int* last  = first + spec.slots_on_gpu(gpu_of[s]);
            int* dst   = std::find(first, last, kEmptySlot);
            MOETWIN_ASSERT(dst != last, "incremental placement: swaps changed a GPU's slot count");
            *dst = row[s];
        }
        std::copy(next.begin(), next.end(), row);
    }
    return make_placement(load.num_layers, E, S, std::move(phy2log));
}

} // namespace moetwin::balancer
