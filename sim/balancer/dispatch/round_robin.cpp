// SPDX-License-Identifier: Apache-2.0
// Intent: each logical expert cycles through its replicas, pair by pair, ignoring where tokens are.
#include "sim/balancer/dispatch.hpp"

#include <vector>

namespace moetwin::balancer {

void dispatch_round_robin(const DispatchInput& in, std::span<int> out_slot) {
    const Placement& p = *in.placement;
    std::vector<int> next(p.num_experts, 0);
    for (std::size_t i = 0; i < in.token_experts.size(); ++i) {
        const int e    = in.token_experts[i];
        const auto rep = p.replicas(in.layer, e);
        out_slot[i]    = rep[next[e]++ % rep.size()];
    }
}

} // namespace moetwin::balancer
