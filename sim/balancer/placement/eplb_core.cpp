// SPDX-License-Identifier: Apache-2.0
// deepseek-ai/EPLB's algorithm (eplb.py: balanced_packing, replicate_experts,
// rebalance_experts_hierarchical), re-implemented from its published behaviour over plain vectors.
#include "sim/balancer/placement/eplb_core.hpp"

#include "common/errors.hpp"

#include <algorithm>
#include <numeric>
#include <utility>

namespace moetwin::balancer::eplb {

void balanced_packing(std::span<const double> weight, int num_packs, std::vector<int>& pack, std::vector<int>& rank) {
    const int n = static_cast<int>(weight.size());
    MOETWIN_ASSERT(num_packs > 0 && n % num_packs == 0, "balanced_packing: n must be a multiple of num_packs");
    const std::vector<int> capacity(static_cast<std::size_t>(num_packs), n / num_packs);
    balanced_packing(weight, capacity, pack, rank);
}

void balanced_packing(std::span<const double> weight, std::span<const int> capacity, std::vector<int>& pack,
                      std::vector<int>& rank) {
    const int n         = static_cast<int>(weight.size());
    const int num_packs = static_cast<int>(capacity.size());
    MOETWIN_ASSERT(num_packs > 0 && std::accumulate(capacity.begin(), capacity.end(), 0) == n,
                   "balanced_packing: capacities must add up to the items");
    pack.assign(n, -1);
    rank.assign(n, -1);
    if (std::all_of(capacity.begin(), capacity.end(), [](int c) { return c == 1; })) {
        std::iota(pack.begin(), pack.end(), 0);
        std::fill(rank.begin(), rank.end(), 0);
        return;
    }
    std::vector<int> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return weight[a] > weight[b]; });
    // The lightest pack with room, lowest index on ties: a min-heap of (weight, index) over the packs
    // with room (O(n log packs) instead of a scan of every pack per item; the same choices).
    std::vector<int> pack_items(num_packs, 0);
    std::vector<std::pair<double, int>> heap;
    for (int p = 0; p < num_packs; ++p)
        if (capacity[p] > 0) heap.emplace_back(0.0, p);
    const auto later = [](const std::pair<double, int>& a, const std::pair<double, int>& b) { return a > b; };
    std::make_heap(heap.begin(), heap.end(), later);
    for (int item : order) {
        std::pop_heap(heap.begin(), heap.end(), later);
        auto& [w, best] = heap.back();
        pack[item]      = best;
        rank[item]      = pack_items[best]++;
        w += weight[item];
        if (pack_items[best] < capacity[best])
            std::push_heap(heap.begin(), heap.end(), later);
        else
            heap.pop_back();
    }
}

void replicate_experts(std::span<const double> weight, int num_phy, std::vector<int>& phy2log, std::vector<int>& rank,
                       std::vector<int>& count) {
    const int num_log = static_cast<int>(weight.size());
    MOETWIN_ASSERT(num_phy >= num_log, "replicate_experts: fewer slots than experts");
    phy2log.resize(num_phy);
    rank.assign(num_phy, 0);
    count.assign(num_log, 1);
    std::iota(phy2log.begin(), phy2log.begin() + num_log, 0);
    for (int i = num_log; i < num_phy; ++i) {
        int best = 0;
        for (int e = 1; e < num_log; ++e)
            if (weight[e] / count[e] > weight[best] / count[best]) best = e;
        phy2log[i] = best;
        rank[i]    = count[best]++;
    }
}

void place_layer(std::span<const double> weight, const PlacementSpec& spec, int num_groups, int num_nodes,
                 std::span<int> out_phy2log) {
    const int E = static_cast<int>(weight.size());
    MOETWIN_ASSERT(E % num_groups == 0 && num_groups % num_nodes == 0 && spec.num_gpus % num_nodes == 0,
                   "eplb::place_layer: spec not divisible");
    const int group_size       = E / num_groups;
    const int groups_per_node  = num_groups / num_nodes;
    const int experts_per_node = E / num_nodes;
    const int gpus_per_node    = spec.num_gpus / num_nodes;

    // Step 1: groups → nodes. mlog ("node-major logical") numbers experts node by node.
    std::vector<double> group_weight(num_groups, 0.0);
    for (int e = 0; e < E; ++e)
        group_weight[e / group_size] += weight[e];
    std::vector<int> group_pack, group_rank;
    balanced_packing(group_weight, num_nodes, group_pack, group_rank);
    std::vector<int> mlog2log(E);
    for (int e = 0; e < E; ++e) {
        const int g    = e / group_size;
        const int mlog = (group_pack[g] * groups_per_node + group_rank[g]) * group_size + e % group_size;
        mlog2log[mlog] = e;
    }

    std::vector<double> node_weight(experts_per_node), phy_weight;
    std::vector<int> phy2mlog, phy_rank, mlog_count, pack, rank, capacity(gpus_per_node);
    for (int n = 0; n < num_nodes; ++n) {
        // The node's slots: its GPUs' (all equal with an even layout).
        int slots_on_node = 0;
        for (int i = 0; i < gpus_per_node; ++i)
            slots_on_node += capacity[i] = spec.slots_on_gpu(n * gpus_per_node + i);
        MOETWIN_ASSERT(slots_on_node >= experts_per_node, "eplb::place_layer: a node has fewer slots than experts");
        // Step 2: replicas within the node.
        for (int k = 0; k < experts_per_node; ++k)
            node_weight[k] = weight[mlog2log[n * experts_per_node + k]];
        replicate_experts(node_weight, slots_on_node, phy2mlog, phy_rank, mlog_count);
        // Step 3: the node's replicas → its GPUs, each replica carrying weight / count.
        phy_weight.resize(slots_on_node);
        for (int p = 0; p < slots_on_node; ++p)
            phy_weight[p] = node_weight[phy2mlog[p]] / mlog_count[phy2mlog[p]];
        balanced_packing(phy_weight, capacity, pack, rank);
        for (int p = 0; p < slots_on_node; ++p) {
            const int slot    = spec.first_slot(n * gpus_per_node + pack[p]) + rank[p];
            out_phy2log[slot] = mlog2log[n * experts_per_node + phy2mlog[p]];
        }
    }
}

Placement place(const ExpertLoad& load, const PlacementSpec& spec, int num_groups, int num_nodes) {
    std::vector<int> phy2log(static_cast<std::size_t>(load.num_layers) * spec.num_slots);
    for (int l = 0; l < load.num_layers; ++l)
        place_layer(load.layer(l), spec, num_groups, num_nodes,
                    std::span<int>(phy2log.data() + static_cast<std::size_t>(l) * spec.num_slots, spec.num_slots));
    return make_placement(load.num_layers, load.num_experts, spec.num_slots, std::move(phy2log));
}

} // namespace moetwin::balancer::eplb
