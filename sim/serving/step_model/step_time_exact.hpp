// SPDX-License-Identifier: Apache-2.0
// The exact step-time model (`moetwin serve --exact`): every step time straight from the step simulator,
// one forked simulation per distinct shape (slow: ~0.3–1.5 s per shape on the production units; for small
// replays and for checking the grid model). Shapes are rounded to the simulator's integers
// (step_grid_build.hpp: simulated_shape), and identical rounded shapes are simulated once (a memo).
#pragma once

#include "sim/scenario.hpp"
#include "sim/serving/step_time_model.hpp"

#include <cstddef>
#include <map>
#include <tuple>
#include <utility>

namespace moetwin::serving {

class StepTimeExact final : public StepTimeModel {
  public:
    // `unit`: a scenario whose workload.phase names the unit to simulate (its batch and context are replaced
    // per call).
    explicit StepTimeExact(Scenario unit) : unit_(std::move(unit)) {}
    // Contract: the step simulator's time at simulated_shape(shape); deterministic; not thread-safe (the memo).
    // ConfigError when the simulation fails.
    double step_s(const StepShape& shape) const override;
    std::size_t simulations() const { return memo_.size(); } // distinct shapes simulated so far

  private:
    Scenario unit_;
    mutable std::map<std::tuple<double, double, double>, double> memo_; // (batch, context, cached)
};

} // namespace moetwin::serving
