// SPDX-License-Identifier: Apache-2.0
// Intent: each pair goes to the replica whose GPU has received the fewest pairs so far in this
// layer (an online greedy; ties to the first replica).
#include "sim/balancer/dispatch.hpp"

#include <vector>

namespace moetwin::balancer {

void dispatch_least_loaded(const DispatchInput& in, std::span<int> out_slot) {
    const Placement& p = *in.placement;
    std::vector<int> slot_gpu(static_cast<std::size_t>(in.spec->num_slots));
    for (int sl = 0; sl < in.spec->num_slots; ++sl)
        slot_gpu[sl] = in.spec->gpu_of_slot(sl);
    std::vector<long long> received(in.spec->num_gpus, 0);
    for (std::size_t i = 0; i < in.token_experts.size(); ++i) {
        int best = -1;
        for (int slot : p.replicas(in.layer, in.token_experts[i]))
            if (best < 0 || received[slot_gpu[slot]] < received[slot_gpu[best]]) best = slot;
        out_slot[i] = best;
        ++received[slot_gpu[best]];
    }
}

} // namespace moetwin::balancer
