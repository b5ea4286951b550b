// SPDX-License-Identifier: Apache-2.0
// Intent: see the whole batch, then split each expert's pairs across its replicas so that the
// busiest GPU serves as few pairs as possible (exact min-max, dispatch/min_max_flow.hpp), never
// preferring the source node, then the nodes the token's picks already use.
#include "sim/balancer/dispatch.hpp"
#include "sim/balancer/dispatch/min_max_flow.hpp"

#include "common/errors.hpp"

#include <algorithm>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace moetwin::balancer {
namespace {

// A class: the pairs of one expert from one source node that may use the same replica nodes.
struct ClassKey {
    uint64_t node_mask; // bit j: the expert's j-th replica node is allowed
    uint32_t expert_node;
    bool operator==(const ClassKey&) const = default;
};
struct ClassKeyHash {
    std::size_t operator()(const ClassKey& k) const {
        return std::size_t(k.node_mask * 0x9e3779b97f4a7c15ull ^ (uint64_t(k.expert_node) << 1));
    }
};

// The replica nodes of one multi-replica expert (first-seen order: j = 0 is its home node, the
// node of its first replica, which the gate's node limit counts) and the hub of each.
struct ExpertNodes {
    std::vector<int> node;
    std::vector<int> hub; // -1 until a class uses it
};

} // namespace

// NOTES: the node limit follows the rule of the other dispatch policies: route_layer's gate holds
// it for the experts' home nodes (the node of the first replica), and any replica may serve a pair.
// Restricting pairs to the token's gate nodes (tried first) made the decode unit's busiest/mean
// worse than round_robin's (1.65 against 1.29): most redundant replicas sit on a node the token
// does not use. The hubs are tried in order: the source node, the token's other nodes (the home
// nodes of its non-shared picks), then the rest, so Dinic fills near replicas first. The solve is in pair weights
// (bundles count their tokens); a bundle is not split: when no hub/GPU has a bundle's whole weight
// left, it goes to the one with most left (exact whenever every weight is 1, as in decode).
void dispatch_load_aware(const DispatchInput& in, std::span<int> out_slot) {
    const Placement& p     = *in.placement;
    const PlacementSpec& s = *in.spec;
    const int K = in.topk, num_tokens = in.num_tokens();
    if (p.num_experts >= (1 << 16) || s.num_nodes >= (1 << 16))
        throw ConfigError("load_aware dispatch: at most 65535 experts and nodes");
    std::vector<int> slot_gpu(std::size_t(s.num_slots)), slot_node(slot_gpu.size());
    for (int sl = 0; sl < s.num_slots; ++sl)
        slot_gpu[std::size_t(sl)]  = s.gpu_of_slot(sl),
        slot_node[std::size_t(sl)] = s.node_of_gpu(slot_gpu[std::size_t(sl)]);
    std::vector<ExpertNodes> nodes(std::size_t(p.num_experts));
    for (int e = 0; e < p.num_experts; ++e) {
        const auto rep = p.replicas(in.layer, e);
        if (rep.size() < 2) continue;
        for (int sl : rep) {
            const int n = slot_node[std::size_t(sl)];
            if (std::find(nodes[std::size_t(e)].node.begin(), nodes[std::size_t(e)].node.end(), n) ==
                nodes[std::size_t(e)].node.end())
                nodes[std::size_t(e)].node.push_back(n);
        }
        if (nodes[std::size_t(e)].node.size() > 64)
            throw ConfigError("load_aware dispatch: expert " + std::to_string(e) + " of layer " +
                              std::to_string(in.layer) + " has replicas on more than 64 nodes");
        nodes[std::size_t(e)].hub.assign(nodes[std::size_t(e)].node.size(), -1);
    }

    MinMaxProblem prob;
    prob.num_gpus = s.num_gpus;
    prob.fixed_load.assign(std::size_t(s.num_gpus), 0);
    std::unordered_map<ClassKey, int, ClassKeyHash> class_of;
    std::vector<int> pair_class(std::size_t(num_tokens) * std::size_t(K), -1);
    std::vector<int> node_mark(std::size_t(s.num_nodes), -1);
    const auto weight = [&](int t) { return in.token_weight.empty() ? int64_t(1) : in.token_weight[std::size_t(t)]; };
    for (int t = 0; t < num_tokens; ++t) {
        const int src_node               = s.node_of_gpu(in.source_gpu[std::size_t(t)]);
        const std::size_t base           = std::size_t(t) * std::size_t(K);
        node_mark[std::size_t(src_node)] = t;
        for (int k = 0; k < K; ++k) {
            const int e = in.token_experts[base + std::size_t(k)];
            if (e != in.shared_expert) node_mark[std::size_t(slot_node[std::size_t(p.replicas(in.layer, e)[0])])] = t;
        }
        for (int k = 0; k < K; ++k) {
            const int e    = in.token_experts[base + std::size_t(k)];
            const auto rep = p.replicas(in.layer, e);
            if (rep.size() < 2) {
                out_slot[base + std::size_t(k)] = rep[0];
                prob.fixed_load[std::size_t(slot_gpu[std::size_t(rep[0])])] += weight(t);
                continue;
            }
            ExpertNodes& en = nodes[std::size_t(e)];
            uint64_t mask   = 0;
            for (std::size_t j = 0; j < en.node.size(); ++j)
                mask |= uint64_t(node_mark[std::size_t(en.node[j])] == t) << j;
            // Every replica is allowed (the gate's rule, as for the other policies); the token's
            // own nodes only order the hubs.
            const ClassKey key{mask, uint32_t(e) << 16 | uint32_t(src_node)};
            auto [it, fresh] = class_of.try_emplace(key, int(prob.class_weight.size()));
            if (fresh) {
                std::vector<int> hubs;
                for (int pass = 0; pass < 3; ++pass) // source node, the token's other nodes, the rest
                    for (std::size_t j = 0; j < en.node.size(); ++j) {
                        const int tier = en.node[j] == src_node ? 0 : (mask >> j & 1) ? 1 : 2;
                        if (tier != pass) continue;
                        if (en.hub[j] < 0) {
                            en.hub[j] = int(prob.hub_gpus.size());
                            std::vector<int> gpus;
                            for (int sl : rep)
                                if (slot_node[std::size_t(sl)] == en.node[j] &&
                                    std::find(gpus.begin(), gpus.end(), slot_gpu[std::size_t(sl)]) == gpus.end())
                                    gpus.push_back(slot_gpu[std::size_t(sl)]);
                            prob.hub_gpus.push_back(std::move(gpus));
                        }
                        hubs.push_back(en.hub[j]);
                    }
                prob.class_hubs.push_back(std::move(hubs));
                prob.class_weight.push_back(0);
            }
            prob.class_weight[std::size_t(it->second)] += weight(t);
            pair_class[base + std::size_t(k)] = it->second;
        }
    }
    if (prob.class_weight.empty()) return; // every pair had one replica
    MinMaxSolution sol = solve_min_max(prob);

    // Pairs take the flows in token order: a hub of their class with flow left (preferred first),
    // then the source GPU in it if it has flow left, else the first GPU with flow left.
    const auto take = [](std::vector<int64_t>& left, int64_t w, int prefer) {
        if (prefer >= 0 && left[std::size_t(prefer)] >= w) return prefer;
        int best = 0;
        for (int i = 0; i < int(left.size()); ++i) {
            if (left[std::size_t(i)] >= w) return i;
            if (left[std::size_t(i)] > left[std::size_t(best)]) best = i;
        }
        return best;
    };
    std::vector<int> next(std::size_t(p.num_experts), 0);
    for (int t = 0; t < num_tokens; ++t) {
        const int src          = in.source_gpu[std::size_t(t)];
        const std::size_t base = std::size_t(t) * std::size_t(K);
        const int64_t w        = weight(t);
        for (int k = 0; k < K; ++k) {
            const int c = pair_class[base + std::size_t(k)];
            if (c < 0) continue;
            const int j   = take(sol.class_hub_flow[std::size_t(c)], w, -1);
            const int hub = prob.class_hubs[std::size_t(c)][std::size_t(j)];
            sol.class_hub_flow[std::size_t(c)][std::size_t(j)] -= w;
            const auto& gpus = prob.hub_gpus[std::size_t(hub)];
            const auto at    = std::find(gpus.begin(), gpus.end(), src);
            const int i = take(sol.hub_gpu_flow[std::size_t(hub)], w, at == gpus.end() ? -1 : int(at - gpus.begin()));
            sol.hub_gpu_flow[std::size_t(hub)][std::size_t(i)] -= w;
            // The expert's replicas on that GPU, in turn.
            const int e    = in.token_experts[base + std::size_t(k)];
            const auto rep = p.replicas(in.layer, e);
            int on_gpu     = 0;
            for (int sl : rep)
                on_gpu += slot_gpu[std::size_t(sl)] == gpus[std::size_t(i)];
            int pick = next[std::size_t(e)]++ % on_gpu;
            for (int sl : rep)
                if (slot_gpu[std::size_t(sl)] == gpus[std::size_t(i)] && pick-- == 0) {
                    out_slot[base + std::size_t(k)] = sl;
                    break;
                }
        }
    }
}

} // namespace moetwin::balancer
