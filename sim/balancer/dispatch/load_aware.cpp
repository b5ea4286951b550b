// SPDX-License-Identifier: Apache-2.0
// Intent: what a real system can run per MoE layer and micro-batch: every rank all-gathers its
// per-expert token counts (E x int32), every rank solves the same exact min-max split of each
// expert's tokens over its replicas (dispatch/replica_split.hpp), and each rank sends its tokens of
// expert e to the replicas by its prefix range in e's global order: no further exchange.
#include "sim/balancer/dispatch.hpp"
#include "sim/balancer/dispatch/replica_split.hpp"

#include "common/errors.hpp"

#include <string>
#include <vector>

namespace moetwin::balancer {

// NOTES: e's global order is rank 0's tokens of e, then rank 1's, ...; within a rank, its tokens in
// input order. Rank r's tokens of e therefore occupy [prefix_r(e), prefix_r(e) + count_r(e)), and
// replica k of e (log2phy order) serves [slot_start, slot_start + slot_count): each rank computes
// its own prefix from the gathered counts, as DeepEP's layout does with prefix sums. The node
// limit follows the rule of the other dispatch policies: route_layer's gate holds it for the
// experts' home nodes, and any replica may serve a pair. A sampled token standing for w identical
// tokens (a prefill bundle) occupies w positions and goes whole to the replica holding its middle
// position (pos + (w - 1) / 2): with w = 1 (decode) each replica serves exactly its slot_count;
// with bundles a replica's pairs differ from slot_count by less than w at each end of its interval.
void dispatch_load_aware(const DispatchInput& in, std::span<int> out_slot) {
    const Placement& p     = *in.placement;
    const PlacementSpec& s = *in.spec;
    const int K = in.topk, num_tokens = in.num_tokens(), E = p.num_experts, G = s.num_gpus;
    const auto weight = [&](int t) { return in.token_weight.empty() ? int64_t(1) : in.token_weight[std::size_t(t)]; };
    // What each rank contributes to the all-gather: its tokens per logical expert.
    std::vector<int64_t> counts(std::size_t(G) * std::size_t(E), 0);
    for (int t = 0; t < num_tokens; ++t) {
        const int src = in.source_gpu[std::size_t(t)];
        if (src < 0 || src >= G)
            throw ConfigError("load_aware dispatch: source GPU " + std::to_string(src) + " out of range");
        for (int k = 0; k < K; ++k)
            counts[std::size_t(src) * std::size_t(E) +
                   std::size_t(in.token_experts[std::size_t(t) * std::size_t(K) + std::size_t(k)])] += weight(t);
    }
    const ReplicaSplit split = split_replicas(p, s, in.layer, counts, G);

    // Each rank's cursor in each expert's order starts at its prefix (exclusive sum over lower ranks).
    std::vector<int64_t>& cursor = counts;
    for (int e = 0; e < E; ++e) {
        int64_t prefix = 0;
        for (int r = 0; r < G; ++r) {
            const std::size_t at = std::size_t(r) * std::size_t(E) + std::size_t(e);
            const int64_t n      = cursor[at];
            cursor[at]           = prefix;
            prefix += n;
        }
    }
    for (int t = 0; t < num_tokens; ++t) {
        const int src = in.source_gpu[std::size_t(t)];
        for (int k = 0; k < K; ++k) {
            const std::size_t i = std::size_t(t) * std::size_t(K) + std::size_t(k);
            const int e         = in.token_experts[i];
            const auto rep      = p.replicas(in.layer, e);
            int64_t& pos        = cursor[std::size_t(src) * std::size_t(E) + std::size_t(e)];
            const int64_t mid   = pos + (weight(t) - 1) / 2;
            pos += weight(t);
            int slot = rep[0];
            for (int sl : rep) // the replica whose interval holds mid (an empty interval holds none)
                if (split.slot_count[std::size_t(sl)] > 0 && mid >= split.slot_start[std::size_t(sl)] &&
                    mid < split.slot_start[std::size_t(sl)] + split.slot_count[std::size_t(sl)]) {
                    slot = sl;
                    break;
                }
            out_slot[i] = slot;
        }
    }
}

} // namespace moetwin::balancer
