// SPDX-License-Identifier: Apache-2.0
// Internal to topologies/: the leaf-spine (two-tier fat-tree) builder shared by FT2, MPFT,
// rail-optimised and NVL72 fabrics. Not part of the public API.
#pragma once

#include "topologies/topology_graph.hpp"

#include <vector>

namespace moetwin::detail {

struct LeafSpineParams {
    double bandwidth_Bps    = 0; // per direction, every IB link
    double access_latency_s = 0; // NIC <-> leaf
    double trunk_latency_s  = 0; // leaf <-> spine
    int switch_ports        = 64;
};

// Adds one plane: a leaf switch per group of NICs (group size <= ports/2), and, when there is more
// than one leaf, ports/2 spine switches with one link from every leaf to every spine (full
// bisection). Throws ConfigError when a group or the leaf count exceeds the switch radix.
void add_leaf_spine_plane(TopologyGraph& g, const std::vector<std::vector<DeviceId>>& leaf_groups, int plane,
                          const LeafSpineParams& p);

// Consecutive groups of ports/2 NICs (the FT2 / MPFT wiring).
std::vector<std::vector<DeviceId>> consecutive_groups(const std::vector<DeviceId>& nics, int group_size);

} // namespace moetwin::detail
