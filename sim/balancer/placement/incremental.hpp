// SPDX-License-Identifier: Apache-2.0
// Incremental re-placement for dynamic rebalancing: start from the placement in force and change
// as few slots as needed (each changed slot costs one 44 MB expert copy, reference §1.3).
#pragma once

#include "sim/balancer/placement.hpp"

namespace moetwin::balancer {

// Contract: as PlaceFn, plus `previous` (same spec, same layers and experts). Replica counts become
// EPLB's for `load` (largest load per replica first); surplus replicas free their slots, missing
// ones fill the freed slots on the lightest GPUs, then the swap search of lpt_swap lowers the busiest
// GPU. Replicas that neither lose their count nor get swapped stay on their GPU.
Placement place_incremental(const Placement& previous, const ExpertLoad& load, const PlacementSpec& spec);

} // namespace moetwin::balancer
