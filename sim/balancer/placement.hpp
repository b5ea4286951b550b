// SPDX-License-Identifier: Apache-2.0
// Expert placement: which logical expert each physical slot holds (deepseek-ai/EPLB's contract,
// reference §8), and the registry of placement policies (one file each under placement/).
#pragma once

#include "sim/balancer/expert_load.hpp"

#include <iosfwd>
#include <span>
#include <string_view>
#include <vector>

namespace moetwin::balancer {

inline constexpr int kEmptySlot = -1; // phy2log value of a slot that holds no expert (`none` only)

// The cluster as the placement sees it. Slot s lives on GPU s / slots_per_gpu(), and GPU g on node
// g / gpus_per_node(). Groups are the gate's expert groups (reference §1.2: 8 groups of 32).
struct PlacementSpec {
    int num_slots  = 0; // physical experts (EPLB num_replicas): logical + redundant
    int num_groups = 1;
    int num_nodes  = 1;
    int num_gpus   = 1;

    int slots_per_gpu() const { return num_slots / num_gpus; }
    int gpus_per_node() const { return num_gpus / num_nodes; }
    int gpu_of_slot(int slot) const { return slot / slots_per_gpu(); }
    int node_of_gpu(int gpu) const { return gpu / gpus_per_node(); }

    // Throws ConfigError: counts < 1, num_slots < num_experts, num_slots % num_gpus ≠ 0,
    // num_gpus % num_nodes ≠ 0, num_experts % num_groups ≠ 0.
    void validate(int num_experts) const;
};

std::ostream& operator<<(std::ostream& os, const PlacementSpec& spec);

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
// phy2log/log2phy/replica_count agree, slot count exact (equal slots per GPU follows from the spec).
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
};

std::span<const PlacementPolicy> placement_policies();
const PlacementPolicy& find_placement_policy(std::string_view name); // ConfigError lists the names

} // namespace moetwin::balancer
