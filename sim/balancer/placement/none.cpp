// SPDX-License-Identifier: Apache-2.0
// Intent: the layout without a load balancer — logical experts contiguous across GPUs, no redundancy.
#include "sim/balancer/placement/policies.hpp"

namespace moetwin::balancer {

// Expert e goes to GPU floor(e × num_gpus / E) (8 per GPU for 256 experts on 32 GPUs), filling that
// GPU's slots from the first; the slots left over (num_slots − E in all) stay kEmptySlot.
Placement place_none(const ExpertLoad& load, const PlacementSpec& spec) {
    spec.validate(load.num_experts);
    const int E = load.num_experts, S = spec.num_slots, per_gpu = spec.slots_per_gpu();
    std::vector<int> row(S, kEmptySlot), used(spec.num_gpus, 0);
    for (int e = 0; e < E; ++e) {
        const int gpu                    = static_cast<int>(static_cast<long long>(e) * spec.num_gpus / E);
        row[gpu * per_gpu + used[gpu]++] = e;
    }
    std::vector<int> phy2log;
    phy2log.reserve(static_cast<std::size_t>(load.num_layers) * S);
    for (int l = 0; l < load.num_layers; ++l)
        phy2log.insert(phy2log.end(), row.begin(), row.end());
    return make_placement(load.num_layers, E, S, std::move(phy2log));
}

} // namespace moetwin::balancer
