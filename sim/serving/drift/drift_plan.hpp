// SPDX-License-Identifier: Apache-2.0
// Which placement is in force in each interval of a serving day, how balanced it is on that interval's loads,
// and what each re-placement moves (issue 17 item 4). Pure: sim/balancer only.
#pragma once

#include "sim/balancer/migration.hpp"
#include "sim/balancer/placement.hpp"

#include <vector>

namespace moetwin::serving {

struct DriftPlan {
    std::vector<balancer::Placement> placements; // in the order they come into force
    std::vector<int> placement_of;               // [intervals]: index into placements
    std::vector<double> busiest_over_mean;       // [intervals]: busiest_over_mean(...).mean_ratio
    std::vector<balancer::MigrationCost> moved;  // [intervals]: non-zero where a re-placement starts the interval
};

// Contract: pure. Interval 0 gets `place` fitted on the loads of intervals [0, window); with
// rebalance_every > 0, every interval j·rebalance_every (j >= 1) gets `place` fitted on intervals
// [j·rebalance_every − window, j·rebalance_every) (their sum: policies are scale-free, so this is the moving
// average), aligned to the one before (balancer::align_to_previous) and charged balancer::migration_cost;
// rebalance_every == 0: one placement all day. incremental: the re-placements (not the first) are
// balancer::place_incremental from the placement in force on the same window (EPLB's replica counts whatever
// `place` is, then only the slots that lower the busiest GPU move), charged the same way. busiest_over_mean[i] is that
// interval's placement's ratio on that interval's loads, mean over layers (the receive load of each GPU:
// balancer::gpu_loads). ConfigError: no interval, window < 1, rebalance_every < 0, or from the policy.
DriftPlan plan_drift(const std::vector<ExpertLoad>& interval_loads, const balancer::PlacementSpec& spec,
                     balancer::PlaceFn place, int rebalance_every, int window,
                     const balancer::MigrationSpec& migration = {}, bool incremental = false);

} // namespace moetwin::serving
