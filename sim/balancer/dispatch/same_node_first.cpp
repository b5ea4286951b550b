// SPDX-License-Identifier: Apache-2.0
// Intent: avoid InfiniBand — prefer a replica on the token's own GPU, then its own node, then a
// node the token is already sent to; round-robin among the replicas of the best tier.
#include "sim/balancer/dispatch.hpp"

#include <cstdint>
#include <vector>

namespace moetwin::balancer {

// NOTES: tiers are 0 = source GPU, 1 = source node, 2 = a node an earlier pair of the same token
// already targets (no extra IB transfer: DeepEP sends a token to a node once), 3 = any other.
// Slot -> GPU / node tables keep divisions out of the per-pair loop; an expert with one replica
// takes it from its one-entry `near` range (its round-robin counter still advances, as the tier
// walk would); the nodes a token already targets are marked with the token's index instead of searched.
void dispatch_same_node_first(const DispatchInput& in, std::span<int> out_slot) {
    const Placement& p     = *in.placement;
    const PlacementSpec& s = *in.spec;
    std::vector<int> slot_gpu(static_cast<std::size_t>(s.num_slots)), slot_node(slot_gpu.size());
    for (int sl = 0; sl < s.num_slots; ++sl) {
        slot_gpu[sl]  = s.gpu_of_slot(sl);
        slot_node[sl] = s.node_of_gpu(slot_gpu[sl]);
    }
    // Per expert: its replica count and first slot in log2phy (single-replica experts skip the walk).
    std::vector<int> count(static_cast<std::size_t>(p.num_experts));
    for (int e = 0; e < p.num_experts; ++e)
        count[e] = p.count(in.layer, e);
    const int* log2phy = p.log2phy.data() + static_cast<std::size_t>(in.layer) * p.num_experts * p.max_replicas;
    // Per (multi-replica expert, source GPU): the replicas of tier 0 or 1 when there are any, or all
    // of them when they share one other node (the choice then does not depend on the token's other
    // pairs), as a range of `near`.
    const int num_gpus = s.num_gpus;
    std::vector<int> near_begin(static_cast<std::size_t>(p.num_experts) * num_gpus + 1, 0), near;
    for (int e = 0; e < p.num_experts; ++e)
        for (int g = 0; g < num_gpus; ++g) {
            const std::size_t at = static_cast<std::size_t>(e) * num_gpus + g;
            near_begin[at]       = int(near.size());
            const int* rep       = log2phy + static_cast<std::size_t>(e) * p.max_replicas;
            if (count[e] < 2) {
                near.push_back(rep[0]); // one replica: the only choice
                continue;
            }
            const int node = s.node_of_gpu(g);
            bool on_gpu    = false;
            for (int r = 0; r < count[e]; ++r)
                on_gpu |= slot_gpu[rep[r]] == g;
            for (int r = 0; r < count[e]; ++r)
                if (on_gpu ? slot_gpu[rep[r]] == g : slot_node[rep[r]] == node) near.push_back(rep[r]);
            bool one_node = true; // no near replica, all on one other node: one tier (2 or 3) for all
            for (int r = 1; r < count[e]; ++r)
                one_node &= slot_node[rep[r]] == slot_node[rep[0]];
            if (int(near.size()) == near_begin[at] && one_node) near.insert(near.end(), rep, rep + count[e]);
        }
    near_begin.back() = int(near.size());
    std::vector<int> next(p.num_experts, 0);
    std::vector<int> tier_of(p.max_replicas);
    std::vector<int> node_token(static_cast<std::size_t>(s.num_nodes), -1); // last token sending to each node
    std::vector<int> gpu_node(static_cast<std::size_t>(num_gpus));
    for (int g = 0; g < num_gpus; ++g)
        gpu_node[g] = s.node_of_gpu(g);
    // x % d without a division (Lemire's fastmod, exact for every 32-bit x and d >= 1): d is a
    // replica count, so the magic numbers are precomputed for 1..max_replicas.
    std::vector<uint64_t> magic(static_cast<std::size_t>(p.max_replicas) + 1, 0);
    for (int d = 1; d <= p.max_replicas; ++d)
        magic[d] = ~uint64_t(0) / uint64_t(d) + 1;
    const auto mod = [&](int x, int d) {
        const uint64_t low = magic[d] * uint32_t(x);
        return int((static_cast<unsigned __int128>(low) * uint32_t(d)) >> 64);
    };
    const int topk = in.topk, num_tokens = in.num_tokens(); // locals: out_slot writes may alias in
    for (int t = 0; t < num_tokens; ++t) {
        const int src_gpu = in.source_gpu[t], src_node = gpu_node[src_gpu];
        const std::size_t base = static_cast<std::size_t>(t) * topk;
        for (int k = 0; k < topk; ++k) {
            const int e          = in.token_experts[base + k];
            const int* rep       = log2phy + static_cast<std::size_t>(e) * p.max_replicas;
            const int n          = count[e];
            int slot             = rep[0];
            const std::size_t at = static_cast<std::size_t>(e) * num_gpus + src_gpu;
            const int in_near    = near_begin[at + 1] - near_begin[at];
            if (in_near > 0) { // mod(x, 1) == 0: no branch on the count (unpredictable per expert)
                slot = near[near_begin[at] + mod(next[e], in_near)];
            } else {
                int best_tier = 3, in_tier = 0;
                for (int r = 0; r < n; ++r) {
                    const int node = slot_node[rep[r]];
                    const int tier = slot_gpu[rep[r]] == src_gpu ? 0
                                     : node == src_node          ? 1
                                     : node_token[node] == t     ? 2
                                                                 : 3;
                    tier_of[r]     = tier;
                    if (tier < best_tier) best_tier = tier, in_tier = 0;
                    if (tier == best_tier) ++in_tier;
                }
                int pick = in_tier == 1 ? 0 : mod(next[e], in_tier);
                for (int r = 0; r < n; ++r)
                    if (tier_of[r] == best_tier && pick-- == 0) {
                        slot = rep[r];
                        break;
                    }
            }
            ++next[e];
            out_slot[base + k]          = slot;
            node_token[slot_node[slot]] = t;
        }
    }
}

} // namespace moetwin::balancer
