// SPDX-License-Identifier: Apache-2.0
// How balanced a placement is on a given load: per-GPU load (each replica carries weight / count,
// EPLB's model) and the busiest-GPU / mean ratio per layer, summarised over layers.
#pragma once

#include "moe/expert_load.hpp"
#include "sim/balancer/placement.hpp"

#include <vector>

namespace moetwin::balancer {

// [num_gpus]: Σ over the GPU's slots of load(layer, e) / replica_count(e).
std::vector<double> gpu_loads(const Placement& p, const PlacementSpec& spec, const ExpertLoad& load, int layer);

struct BalanceSummary {
    std::vector<double> layer_ratio; // [num_layers]: busiest GPU / mean GPU (1 for an empty layer)
    double mean_ratio  = 0;          // mean over layers
    double worst_ratio = 0;          // max over layers
    int worst_layer    = -1;         // index into the load's layers
};

// `load` may differ from the one the placement was fitted on (same shape): that is --fit/--eval.
BalanceSummary busiest_over_mean(const Placement& p, const PlacementSpec& spec, const ExpertLoad& load);

} // namespace moetwin::balancer
