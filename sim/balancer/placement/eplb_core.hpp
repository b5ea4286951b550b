// SPDX-License-Identifier: Apache-2.0
// The three steps of deepseek-ai/EPLB (reference §8), shared by eplb_hierarchical and eplb_global
// and reused by our own policies. Written from the published algorithm; ties break to the lowest index.
#pragma once

#include "sim/balancer/placement.hpp"

#include <span>
#include <vector>

namespace moetwin::balancer::eplb {

// Packs n items into num_packs packs of exactly n / num_packs items: items in descending weight
// order (stable), each into the lightest pack that still has room (lowest index on ties). With one
// item per pack, item i goes to pack i. Outputs pack[i] and rank[i] (position inside its pack).
void balanced_packing(std::span<const double> weight, int num_packs, std::vector<int>& pack, std::vector<int>& rank);
// The same with a capacity per pack (uneven slots per GPU; sum of capacities = weight.size()): each
// item, heaviest first, into the lightest pack that still has room. Equal capacities give the above.
void balanced_packing(std::span<const double> weight, std::span<const int> capacity, std::vector<int>& pack,
                      std::vector<int>& rank);

// Replicates num_log = weight.size() experts into num_phy slots: slot i < num_log holds expert i;
// each further slot goes to the expert with the largest weight / count (lowest index on ties).
// Outputs phy2log[num_phy], rank[num_phy] (replica index) and count[num_log].
void replicate_experts(std::span<const double> weight, int num_phy, std::vector<int>& phy2log, std::vector<int>& rank,
                       std::vector<int>& count);

// One layer of EPLB's hierarchical policy with the given group and node counts (global = 1, 1):
// groups → nodes (balanced packing), replicas within each node, replicas → the node's GPUs.
// Writes spec.num_slots entries of out_phy2log. With uneven slots (PlacementSpec's layout) a node gets
// its GPUs' slots and each GPU takes as many replicas as it has slots.
void place_layer(std::span<const double> weight, const PlacementSpec& spec, int num_groups, int num_nodes,
                 std::span<int> out_phy2log);

// All layers through place_layer.
Placement place(const ExpertLoad& load, const PlacementSpec& spec, int num_groups, int num_nodes);

} // namespace moetwin::balancer::eplb
