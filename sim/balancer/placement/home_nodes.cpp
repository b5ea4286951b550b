// SPDX-License-Identifier: Apache-2.0
#include "sim/balancer/placement/home_nodes.hpp"

#include "sim/balancer/placement/eplb_core.hpp"

namespace moetwin::balancer {

std::vector<int> home_nodes(std::span<const double> w, const PlacementSpec& spec) {
    const int E = static_cast<int>(w.size()), N = spec.num_nodes;
    std::vector<int> home(E);
    if (spec.num_groups % N == 0) {
        const int gs = E / spec.num_groups;
        std::vector<double> group_load(spec.num_groups, 0.0);
        for (int e = 0; e < E; ++e)
            group_load[e / gs] += w[e];
        std::vector<int> pack, rank;
        eplb::balanced_packing(group_load, N, pack, rank);
        for (int e = 0; e < E; ++e)
            home[e] = pack[e / gs];
    } else {
        // Node of slot floor(e × S / E): floor(e × N / E) with an even layout; with an uneven one no
        // node gets more originals than slots (distinct experts name distinct slots).
        const int S = spec.num_slots;
        for (int e = 0; e < E; ++e)
            home[e] = spec.node_of_gpu(spec.gpu_of_slot(static_cast<int>(static_cast<long long>(e) * S / E)));
    }
    return home;
}

} // namespace moetwin::balancer
