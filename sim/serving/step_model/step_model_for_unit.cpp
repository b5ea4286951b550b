// SPDX-License-Identifier: Apache-2.0
// step_model_for_unit (step_model_for_unit.hpp).
#include "sim/serving/step_model/step_model_for_unit.hpp"

#include "sim/serving/step_model/step_time_exact.hpp"
#include "sim/serving/step_time_grid.hpp"

namespace moetwin::serving {

std::unique_ptr<StepTimeModel> step_model_for_unit(const Scenario& unit, const StepModelOptions& options,
                                                   std::string* warning) {
    if (warning) warning->clear();
    if (options.exact) return std::make_unique<StepTimeExact>(unit);
    BuildOutcome b = build_step_model(unit, options.grid, options.build);
    if (warning) *warning = b.warning;
    return std::make_unique<StepTimeGrid>(std::move(b.model.grid));
}

} // namespace moetwin::serving
