// SPDX-License-Identifier: Apache-2.0
// How far a grid model is from the step simulator: direct step simulations at random shapes off the grid,
// against the model's interpolation (and the other interpolation on the same grid, for comparison).
#pragma once

#include "sim/scenario.hpp"
#include "sim/serving/step_time_grid.hpp"

#include <cstdint>
#include <vector>

namespace moetwin::serving {

struct CheckPoint {
    StepShape shape;     // as simulated (integers of step_grid_build.hpp, in StepShape units)
    double direct_s = 0; // the step simulator
    double model_s  = 0; // the grid, its own interpolation
    double other_s  = 0; // the grid, the other interpolation
};

struct CheckReport {
    std::vector<CheckPoint> points;
    double max_rel_error = 0, mean_rel_error = 0;             // |model − direct| / direct
    double other_max_rel_error = 0, other_mean_rel_error = 0; // the other interpolation's
};

// Contract: pure, deterministic in (grid, k, seed) (moetwin::Rng). k shapes drawn log-uniformly inside the
// grid's ranges, rounded to the simulator's integers, none on a grid line of the batch or context axis (drawn
// again when one is; fewer than k when the ranges hold too few off-grid integers). With a cached axis, a quarter
// of them have no cached prefix and the rest q log-uniform in [1/4, the last plane] (extrapolation is not
// checked; q may be a plane's value). Prefill: only shapes the step simulator can express, N new tokens within
// one of `micro_batches` micro-batches (step_grid_build.hpp).
std::vector<StepShape> random_off_grid_shapes(const StepGrid& grid, int k, uint64_t seed, int micro_batches = 1);

// Contract: simulates every shape (simulate_step_times, `jobs` workers) and compares. ConfigError when a
// simulation fails.
CheckReport check_step_model(const Scenario& s, const StepGrid& grid, const std::vector<StepShape>& shapes, int jobs);

} // namespace moetwin::serving
