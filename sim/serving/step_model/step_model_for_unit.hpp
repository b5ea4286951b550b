// SPDX-License-Identifier: Apache-2.0
// The serving replay's one call for a unit's step times: the grid model from the cache (built when missing),
// or with `exact` the step simulator per distinct shape (`moetwin serve --exact`).
#pragma once

#include "sim/scenario.hpp"
#include "sim/serving/step_model/step_grid_build.hpp"
#include "sim/serving/step_time_model.hpp"

#include <memory>
#include <string>

namespace moetwin::serving {

struct StepModelOptions {
    bool exact = false; // StepTimeExact instead of the grid
    GridSpec grid;
    BuildOptions build;
};

// Contract: `unit` is a scenario whose workload.phase names the unit. Returns the model; `warning`, when
// given, receives build_step_model's warning (a corrupt cache file rebuilt) or "". ConfigError as
// build_step_model.
std::unique_ptr<StepTimeModel> step_model_for_unit(const Scenario& unit, const StepModelOptions& options,
                                                   std::string* warning = nullptr);

} // namespace moetwin::serving
