// SPDX-License-Identifier: Apache-2.0
// Home nodes of the gate's expert groups, shared by the policies that keep each group on one node
// (group_affine, group_ring): a token's experts then span few nodes, which saves InfiniBand bytes.
#pragma once

#include "sim/balancer/placement.hpp"

#include <span>
#include <vector>

namespace moetwin::balancer {

// [num_experts]: the home node of each expert of one layer (loads w). With num_groups % num_nodes == 0,
// EPLB's balanced packing of the group loads onto the nodes (num_groups / num_nodes groups each); else
// the experts cut into num_nodes contiguous chunks sized like the nodes' slot counts (groups then
// straddle neighbouring nodes). Contract: pure, deterministic.
std::vector<int> home_nodes(std::span<const double> w, const PlacementSpec& spec);

} // namespace moetwin::balancer
