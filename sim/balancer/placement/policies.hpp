// SPDX-License-Identifier: Apache-2.0
// The placement policies, one file each; every one follows the PlaceFn contract in placement.hpp.
#pragma once

#include "sim/balancer/placement.hpp"

namespace moetwin::balancer {

Placement place_none(const ExpertLoad& load, const PlacementSpec& spec);              // none.cpp
Placement place_replicate_hottest(const ExpertLoad& load, const PlacementSpec& spec); // replicate_hottest.cpp
Placement place_eplb_hierarchical(const ExpertLoad& load, const PlacementSpec& spec); // eplb_hierarchical.cpp
Placement place_eplb_global(const ExpertLoad& load, const PlacementSpec& spec);       // eplb_global.cpp
Placement place_eplb(const ExpertLoad& load, const PlacementSpec& spec);              // eplb.cpp
Placement place_lpt_swap(const ExpertLoad& load, const PlacementSpec& spec);          // lpt_swap.cpp
Placement place_group_affine(const ExpertLoad& load, const PlacementSpec& spec);      // group_affine.cpp
Placement place_minmax_swap(const ExpertLoad& load, const PlacementSpec& spec);       // minmax_swap.cpp
Placement place_joint_minmax(const ExpertLoad& load, const PlacementSpec& spec);      // joint_minmax.cpp
Placement place_tree_partition(const ExpertLoad& load, const PlacementSpec& spec);    // tree_partition.cpp
Placement place_replica_ring(const ExpertLoad& load, const PlacementSpec& spec);      // replica_ring.cpp
Placement place_group_ring(const ExpertLoad& load, const PlacementSpec& spec);        // replica_ring.cpp

} // namespace moetwin::balancer
