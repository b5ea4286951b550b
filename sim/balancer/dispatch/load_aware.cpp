// SPDX-License-Identifier: Apache-2.0
// Intent: what a real system can run per MoE layer and micro-batch: every rank all-gathers its
// per-expert token counts (E x int32), every rank solves the same exact min-max split of each
// expert's tokens over its replicas (dispatch/replica_split.hpp) and the same matching of the counts
// to the replicas' quotas (same GPU, then same node, then the rest), and sends its own tokens of each
// expert to the replicas its pieces name: no further exchange.
#include "sim/balancer/dispatch.hpp"
#include "sim/balancer/dispatch/replica_split.hpp"

#include "common/errors.hpp"

#include <string>
#include <vector>

namespace moetwin::balancer {

// NOTES: the split fixes how many tokens each replica serves (slot_count); which tokens is free, so
// every rank runs the same deterministic matching of the gathered counts to those quotas, per expert
// with more than one replica, in three tiers: (0) a replica takes tokens of the rank on its own GPU,
// (1) then of the ranks on its node, in rank order, (2) the quotas left take the tokens left, ranks in
// order, replicas in log2phy order. Within a node any of its ranks may fill any of its replicas, so
// tiers 0–1 leave min(Σ node's counts, Σ node's quotas) pairs on each node: the most any assignment
// of the split keeps off InfiniBand (the "same-node replicas when it costs nothing"). The
// result is, per (rank, expert), a list of pieces (replica, tokens); a rank's tokens of the expert, in
// input order, fill its pieces in list order. The node limit follows the rule of the other dispatch
// policies: route_layer's gate holds it for the experts' home nodes, and any replica may serve a pair.
// A sampled token standing for w identical tokens (a prefill bundle) occupies w positions of its
// rank's order and goes whole to the piece holding its middle position (pos + (w - 1) / 2): with w = 1
// (decode) each replica serves exactly its slot_count; with bundles a replica's pairs differ from it
// by less than w at each end of a piece. Measured against the earlier prefix order (rank r's tokens
// of e at its prefix range of e's global order, replicas in log2phy order): prefill_in2048 at the
// prefill unit (`moetwin balance --loads … --dispatch load_aware`, 4,096 sampled tokens), remote nodes
// per token per layer 2.373 → 2.313 under group_ring, 2.423 → 2.389 under group_affine, 2.710 → 2.698
// under eplb_global; the prefill step (`moetwin balance step --replica-policy load_aware`) under
// group_ring 1711.0 → 1692.5 ms. bench_balancer's load_aware_dispatch_ep144_decode (all 144 ranks'
// tokens, so above one rank's work): 1.07 ms per layer against 1.12 before, CPU, the 2-core VM loaded.
void dispatch_load_aware(const DispatchInput& in, std::span<int> out_slot) {
    const Placement& p     = *in.placement;
    const PlacementSpec& s = *in.spec;
    const int K = in.topk, num_tokens = in.num_tokens(), E = p.num_experts, G = s.num_gpus;
    const int per_node = s.gpus_per_node();
    const auto weight  = [&](int t) { return in.token_weight.empty() ? int64_t(1) : in.token_weight[std::size_t(t)]; };
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

    // The matching, per expert with ≥ 2 replicas: pieces (rank, slot, tokens), then grouped by rank.
    struct Piece {
        int rank, slot;
        int64_t tokens;
    };
    std::vector<Piece> pieces, mine;
    std::vector<int> first(std::size_t(G) * std::size_t(E) + 1, 0); // CSR over (expert, rank) of `pieces`
    std::vector<int64_t> left_rank(static_cast<std::size_t>(G)), left_slot;
    for (int e = 0; e < E; ++e) {
        const auto rep        = p.replicas(in.layer, e);
        const std::size_t row = std::size_t(e) * std::size_t(G);
        if (rep.size() < 2) {
            std::fill(first.begin() + std::ptrdiff_t(row), first.begin() + std::ptrdiff_t(row + std::size_t(G)),
                      int(pieces.size()));
            continue;
        }
        mine.clear();
        for (int r = 0; r < G; ++r)
            left_rank[std::size_t(r)] = counts[std::size_t(r) * std::size_t(E) + std::size_t(e)];
        left_slot.assign(rep.size(), 0);
        for (std::size_t k = 0; k < rep.size(); ++k)
            left_slot[k] = split.slot_count[std::size_t(rep[k])];
        const auto take = [&](int r, std::size_t k) {
            const int64_t n = std::min(left_rank[std::size_t(r)], left_slot[k]);
            if (n <= 0) return;
            mine.push_back({r, rep[k], n});
            left_rank[std::size_t(r)] -= n, left_slot[k] -= n;
        };
        for (std::size_t k = 0; k < rep.size(); ++k) // tier 0: the replica's own GPU
            take(s.gpu_of_slot(rep[k]), k);
        for (std::size_t k = 0; k < rep.size(); ++k) { // tier 1: its node
            const int node0 = s.node_of_gpu(s.gpu_of_slot(rep[k])) * per_node;
            for (int r = node0; r < node0 + per_node && left_slot[k] > 0; ++r)
                take(r, k);
        }
        for (int r = 0, k = 0; r < G && k < int(rep.size());) { // tier 2: the rest, in order
            take(r, std::size_t(k));
            if (left_rank[std::size_t(r)] == 0)
                ++r;
            else
                ++k;
        }
        std::stable_sort(mine.begin(), mine.end(), [](const Piece& a, const Piece& b) { return a.rank < b.rank; });
        std::size_t i = 0;
        for (int r = 0; r < G; ++r) {
            first[row + std::size_t(r)] = int(pieces.size());
            for (; i < mine.size() && mine[i].rank == r; ++i)
                pieces.push_back(mine[i]);
        }
    }
    first.back() = int(pieces.size());

    // Each (expert, rank): the tokens placed so far, the piece being filled and where it ends.
    std::vector<int64_t>& done = counts;
    std::fill(done.begin(), done.end(), 0);
    std::vector<int> at(first.begin(), first.end() - 1);
    std::vector<int64_t> end(at.size(), 0);
    for (std::size_t key = 0; key < at.size(); ++key)
        if (first[key] < first[key + 1]) end[key] = pieces[std::size_t(first[key])].tokens;
    for (int t = 0; t < num_tokens; ++t) {
        const int src = in.source_gpu[std::size_t(t)];
        for (int k = 0; k < K; ++k) {
            const std::size_t i   = std::size_t(t) * std::size_t(K) + std::size_t(k);
            const int e           = in.token_experts[i];
            const auto rep        = p.replicas(in.layer, e);
            const std::size_t key = std::size_t(e) * std::size_t(G) + std::size_t(src);
            if (rep.size() < 2 || first[key] == first[key + 1]) { // one replica (or, never, no piece)
                out_slot[i] = rep[0];
                continue;
            }
            const int64_t mid = done[key] + (weight(t) - 1) / 2;
            done[key] += weight(t);
            int& j = at[key];
            while (j + 1 < first[key + 1] && mid >= end[key])
                end[key] += pieces[std::size_t(++j)].tokens;
            out_slot[i] = pieces[std::size_t(j)].slot;
        }
    }
}

} // namespace moetwin::balancer
