// SPDX-License-Identifier: Apache-2.0
// plan_drift (drift_plan.hpp).
#include "sim/serving/drift/drift_plan.hpp"

#include "common/errors.hpp"
#include "sim/balancer/placement/incremental.hpp"
#include "sim/balancer/placement_metrics.hpp"
#include "sim/serving/drift/drift_loads.hpp"

namespace moetwin::serving {

DriftPlan plan_drift(const std::vector<ExpertLoad>& interval_loads, const balancer::PlacementSpec& spec,
                     balancer::PlaceFn place, int rebalance_every, int window, const balancer::MigrationSpec& migration,
                     bool incremental) {
    if (interval_loads.empty() || window < 1 || rebalance_every < 0 || place == nullptr)
        throw ConfigError("expert drift: needs intervals, a window >= 1 interval, a re-placement period >= 0 and a "
                          "placement policy");
    const int n = int(interval_loads.size());
    DriftPlan p;
    p.moved.resize(std::size_t(n));
    for (int i = 0; i < n; ++i) {
        const bool first = i == 0;
        if (first || (rebalance_every > 0 && i % rebalance_every == 0)) {
            const ExpertLoad fit =
                first ? sum_loads(interval_loads, 0, window) : sum_loads(interval_loads, i - window, i);
            balancer::Placement next =
                first || !incremental ? place(fit, spec) : balancer::place_incremental(p.placements.back(), fit, spec);
            balancer::check_placement(next, spec);
            if (!first) {
                if (!incremental) next = balancer::align_to_previous(next, p.placements.back(), spec);
                p.moved[std::size_t(i)] = balancer::migration_cost(p.placements.back(), next, spec, migration);
            }
            p.placements.push_back(std::move(next));
        }
        p.placement_of.push_back(int(p.placements.size()) - 1);
        p.busiest_over_mean.push_back(
            balancer::busiest_over_mean(p.placements.back(), spec, interval_loads[std::size_t(i)]).mean_ratio);
    }
    return p;
}

} // namespace moetwin::serving
