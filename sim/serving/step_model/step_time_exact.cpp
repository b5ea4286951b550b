// SPDX-License-Identifier: Apache-2.0
// StepTimeExact (step_time_exact.hpp).
#include "sim/serving/step_model/step_time_exact.hpp"

#include "sim/serving/step_model/step_grid_build.hpp"

namespace moetwin::serving {

double StepTimeExact::step_s(const StepShape& shape) const {
    const StepShape sim = simulated_shape(unit_.workload.phase, shape);
    const std::tuple key{sim.batch_per_rank, sim.context_tokens, sim.cached_per_token};
    if (const auto it = memo_.find(key); it != memo_.end()) return it->second;
    const double t = simulate_step_times(unit_, {sim}, 1).front();
    memo_.emplace(key, t);
    return t;
}

} // namespace moetwin::serving
