// SPDX-License-Identifier: Apache-2.0
// Busiest-GPU / mean load of a placement when each expert's load is split over its replicas the way
// the load_aware dispatch splits it (the exact min-max split, dispatch/replica_split.hpp), rather
// than evenly (placement_metrics.hpp, EPLB's model and what round_robin gives in expectation).
#pragma once

#include "common/name_table.hpp"
#include "moe/expert_load.hpp"
#include "sim/balancer/placement.hpp"
#include "sim/balancer/placement_metrics.hpp"

#include <array>
#include <vector>

namespace moetwin::balancer {

// How a placement's replicas share their expert's load when it is evaluated.
enum class ReplicaSplitModel {
    Even,   // load / replica_count each (round_robin, least_loaded in expectation; EPLB's model)
    MinMax, // the min-max split of load_aware applied to the expected loads (busiest GPU minimal)
};

inline constexpr std::array<NameEntry<ReplicaSplitModel>, 2> kReplicaSplitNames = {{
    {ReplicaSplitModel::Even, "even", "each replica carries load / replica count (round_robin, EPLB's model)"},
    {ReplicaSplitModel::MinMax, "minmax", "load_aware's exact min-max split of each expert over its replicas"},
}};

// [num_gpus]: per-GPU load of `layer` under the min-max split of load(layer, e) (rounded to whole
// tokens) over e's replicas. Contract: pure; the result's max is the least busiest-GPU load any
// split of the (rounded) loads over the replicas achieves, so it never exceeds gpu_loads()'s max
// by more than the rounding (one token per replica).
std::vector<double> split_gpu_loads(const Placement& p, const PlacementSpec& spec, const ExpertLoad& load, int layer);

// busiest_over_mean() under the given split model (Even is busiest_over_mean itself).
// Throws ConfigError when the load's shape differs from the placement's.
BalanceSummary busiest_over_mean(const Placement& p, const PlacementSpec& spec, const ExpertLoad& load,
                                 ReplicaSplitModel model);

} // namespace moetwin::balancer
