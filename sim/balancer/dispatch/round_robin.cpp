// SPDX-License-Identifier: Apache-2.0
// Intent: each logical expert cycles through its replicas, pair by pair, ignoring where tokens are.
#include "sim/balancer/dispatch.hpp"

#include <vector>

namespace moetwin::balancer {

// NOTES: replica counts and the layer's log2phy row are read once (no span per pair); each
// expert's cursor wraps at its replica count instead of a modulo per pair (the same replica as
// pairs_so_far % count; an expert with one replica stays at 0).
void dispatch_round_robin(const DispatchInput& in, std::span<int> out_slot) {
    const Placement& p = *in.placement;
    std::vector<int> count(static_cast<std::size_t>(p.num_experts)), next(count.size(), 0);
    for (int e = 0; e < p.num_experts; ++e)
        count[e] = p.count(in.layer, e);
    const int* log2phy = p.log2phy.data() + static_cast<std::size_t>(in.layer) * p.num_experts * p.max_replicas;
    for (std::size_t i = 0; i < in.token_experts.size(); ++i) {
        const int e    = in.token_experts[i];
        const int* rep = log2phy + static_cast<std::size_t>(e) * p.max_replicas;
        const int n    = next[e];
        out_slot[i]    = rep[n];
        next[e]        = n + 1 == count[e] ? 0 : n + 1;
    }
}

} // namespace moetwin::balancer
