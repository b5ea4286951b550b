// SPDX-License-Identifier: Apache-2.0
// Intent: avoid InfiniBand — prefer a replica on the token's own GPU, then its own node, then a
// node the token is already sent to; round-robin among the replicas of the best tier.
#include "sim/balancer/dispatch.hpp"

#include <vector>

namespace moetwin::balancer {

// NOTES: tiers are 0 = source GPU, 1 = source node, 2 = a node an earlier pair of the same token
// already targets (no extra IB transfer: DeepEP sends a token to a node once), 3 = any other.
void dispatch_same_node_first(const DispatchInput& in, std::span<int> out_slot) {
    const Placement& p     = *in.placement;
    const PlacementSpec& s = *in.spec;
    std::vector<int> next(p.num_experts, 0);
    std::vector<int> tier_of(p.max_replicas);
    for (int t = 0; t < in.num_tokens(); ++t) {
        const int src_gpu = in.source_gpu[t], src_node = s.node_of_gpu(src_gpu);
        for (int k = 0; k < in.topk; ++k) {
            const std::size_t i = static_cast<std::size_t>(t) * in.topk + k;
            const int e         = in.token_experts[i];
            const auto rep      = p.replicas(in.layer, e);
            int best_tier = 3, in_tier = 0;
            for (std::size_t r = 0; r < rep.size(); ++r) {
                const int gpu = s.gpu_of_slot(rep[r]), node = s.node_of_gpu(gpu);
                int tier = gpu == src_gpu ? 0 : node == src_node ? 1 : 3;
                for (int j = 0; j < k && tier == 3; ++j)
                    if (s.node_of_gpu(s.gpu_of_slot(out_slot[i - k + j])) == node) tier = 2;
                tier_of[r] = tier;
                if (tier < best_tier) best_tier = tier, in_tier = 0;
                if (tier == best_tier) ++in_tier;
            }
            int pick = next[e]++ % in_tier;
            for (std::size_t r = 0; r < rep.size(); ++r)
                if (tier_of[r] == best_tier && pick-- == 0) {
                    out_slot[i] = rep[r];
                    break;
                }
        }
    }
}

} // namespace moetwin::balancer
