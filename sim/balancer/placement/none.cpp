// SPDX-License-Identifier: Apache-2.0
// Intent: the layout without a load balancer — logical experts contiguous across GPUs, no redundancy.
#include "sim/balancer/placement/policies.hpp"

namespace moetwin::balancer {

// Expert e goes to the GPU of slot floor(e × num_slots / E) — with an even layout GPU
// floor(e × num_gpus / E), 8 per GPU for 256 experts on 32 GPUs — filling that GPU's slots from its
// first. Distinct experts name distinct slots (num_slots ≥ E), so no GPU gets more experts than slots,
// uneven layouts included; the slots left over (num_slots − E in all) stay kEmptySlot.
Placement place_none(const ExpertLoad& load, const PlacementSpec& spec) {
    spec.validate(load.num_experts);
    const int E = load.num_experts, S = spec.num_slots;
    std::vector<int> row(S, kEmptySlot), used(spec.num_gpus, 0);
    for (int e = 0; e < E; ++e) {
        const int gpu                           = spec.gpu_of_slot(static_cast<int>(static_cast<long long>(e) * S / E));
        row[spec.first_slot(gpu) + used[gpu]++] = e;
    }
    std::vector<int> phy2log;
    phy2log.reserve(static_cast<std::size_t>(load.num_layers) * S);
    for (int l = 0; l < load.num_layers; ++l)
        phy2log.insert(phy2log.end(), row.begin(), row.end());
    return make_placement(load.num_layers, E, S, std::move(phy2log));
}

} // namespace moetwin::balancer
