// SPDX-License-Identifier: Apache-2.0
// Expert placement: which logical expert each physical slot holds (deepseek-ai/EPLB's contract,
// reference §8), and the registry of placement policies (one file each under placement/).
#pragma once

#include "moe/expert_load.hpp"

#include <algorithm>
#include <iosfwd>
#include <span>
#include <string_view>
#include <vector>

namespace moetwin::balancer {

inline constexpr int kEmptySlot = -1; // phy2log value of a slot that holds no expert (`none` only)

// The cluster as the placement sees it. GPU g holds slots_on_gpu(g) consecutive slots from
// first_slot(g), and GPU g is on node g / gpus_per_node(). Groups are the gate's expert groups
// (reference §1.2: 8 groups of 32).
//
// Uneven slot counts (num_slots not a multiple of num_gpus: 256 experts on 72 GPUs, EP144 with 0 or
// 64 redundant experts) split as evenly as possible at two levels: node n holds num_slots / num_nodes
// slots, one more for the first num_slots % num_nodes nodes; inside a node, its lowest-ranked GPUs
// hold the node's extra slots. So GPU slot counts differ by at most 1 (floor or ceil of
// num_slots / num_gpus) and so do node slot counts, which keeps the nodes' memory, EPLB's node-level
// packing and the nodes' IB traffic even. With an even count every GPU holds num_slots / num_gpus
// and slot s is on GPU s / that: the layout of every earlier result.
struct PlacementSpec {
    int num_slots  = 0; // physical experts (EPLB num_replicas): logical + redundant
    int num_groups = 1;
    int num_nodes  = 1;
    int num_gpus   = 1;

    int gpus_per_node() const { return num_gpus / num_nodes; }
    int node_of_gpu(int gpu) const { return gpu / gpus_per_node(); }
    bool even_slots() const { return num_slots % num_gpus == 0; }
    int min_slots_per_gpu() const { return num_slots / num_gpus; }
    int max_slots_per_gpu() const { return (num_slots + num_gpus - 1) / num_gpus; }
    int slots_on_node(int node) const { return part_size(num_slots, num_nodes, node); }
    int first_slot_of_node(int node) const { return part_start(num_slots, num_nodes, node); }
    int slots_on_gpu(int gpu) const {
        const int n = node_of_gpu(gpu);
        return part_size(slots_on_node(n), gpus_per_node(), gpu - n * gpus_per_node());
    }
    int first_slot(int gpu) const {
        const int n = node_of_gpu(gpu);
        return first_slot_of_node(n) + part_start(slots_on_node(n), gpus_per_node(), gpu - n * gpus_per_node());
    }
    int gpu_of_slot(int slot) const {
        const int n = part_of(num_slots, num_nodes, slot);
        return n * gpus_per_node() + part_of(slots_on_node(n), gpus_per_node(), slot - first_slot_of_node(n));
    }

    // Throws ConfigError: counts < 1, num_slots < num_experts, num_slots < num_gpus (a GPU without a
    // slot), num_gpus % num_nodes ≠ 0, num_experts % num_groups ≠ 0.
    void validate(int num_experts) const;

    // `total` items cut into `parts` consecutive runs, the first total % parts one item longer.
    static int part_size(int total, int parts, int i) { return total / parts + (i < total % parts ? 1 : 0); }
    static int part_start(int total, int parts, int i) { return i * (total / parts) + std::min(i, total % parts); }
    static int part_of(int total, int parts, int item) {
        const int base = total / parts, long_items = (total % parts) * (base + 1);
        return item < long_items ? item / (base + 1) : total % parts + (item - long_items) / base;
    }
};

std::ostream& operator<<(std::ostream& os, const PlacementSpec& spec);

// Exactly 2 slots on every GPU and fewer GPUs than experts: every placement of such a unit comes down
// to a partition of the experts into num_experts − num_gpus groups (placement/tree_partition.cpp),
// which tree_partition searches and partition_lp_floor.hpp bounds.
inline bool is_tree_partition_unit(const PlacementSpec& spec, int num_experts) {
    return spec.even_slots() && spec.min_slots_per_gpu() == 2 && spec.num_gpus < num_experts;
}

struct Placement {
    int num_layers   = 0;
    int num_experts  = 0;
    int num_slots    = 0;
    int max_replicas = 0;
    std::vector<int> phy2log;       // [num_layers, num_slots]: logical expert per slot, or kEmptySlot
    std::vector<int> log2phy;       // [num_layers, num_experts, max_replicas]: slots, padded with -1
    std::vector<int> replica_count; // [num_layers, num_experts]

    std::span<const int> slots(int layer) const {
        return {phy2log.data() + static_cast<std::size_t>(layer) * num_slots, static_cast<std::size_t>(num_slots)};
    }
    int count(int layer, int expert) const {
        return replica_count[static_cast<std::size_t>(layer) * num_experts + expert];
    }
    std::span<const int> replicas(int layer, int expert) const {
        return {log2phy.data() + (static_cast<std::size_t>(layer) * num_experts + expert) * max_replicas,
                static_cast<std::size_t>(count(layer, expert))};
    }
};

// Builds log2phy and replica_count from phy2log (slots listed in increasing order).
Placement make_placement(int num_layers, int num_experts, int num_slots, std::vector<int> phy2log);

// Throws ConfigError with the first violated invariant: shapes, every logical expert has ≥ 1 replica,
// phy2log/log2phy/replica_count agree, slot count exact (each GPU's slot count follows from the spec).
void check_placement(const Placement& p, const PlacementSpec& spec);

// Contract: a placement policy is a pure function of (load, spec) — deterministic, no I/O, no
// global state. It returns a placement with load.num_layers layers and spec.num_slots slots per
// layer in which every logical expert has ≥ 1 replica; slot s is on GPU spec.gpu_of_slot(s).
// It may throw ConfigError when the spec does not suit it (e.g. hierarchical needs groups % nodes == 0).
using PlaceFn = Placement (*)(const ExpertLoad& load, const PlacementSpec& spec);

struct PlacementPolicy {
    std::string_view name;
    std::string_view intent; // one line, printed by `moetwin balance --list`
    PlaceFn place;
    // Placed for the load_aware dispatch's exact min-max split of each expert over its replicas
    // (split_metrics.hpp), not for an even split: `moetwin balance cross` judges it under that split
    // unless told otherwise (--split).
    bool min_max_split = false;
};

std::span<const PlacementPolicy> placement_policies();
const PlacementPolicy& find_placement_policy(std::string_view name); // ConfigError lists the names

} // namespace moetwin::balancer
