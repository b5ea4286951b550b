// SPDX-License-Identifier: Apache-2.0
// The grid step-time model: step times of one deployment unit simulated at every point of a grid of shapes
// (batch per rank × context), interpolated in between. Built by sim/serving/step_model/step_grid_build.hpp,
// stored as a model file (sim/serving/step_model/step_grid_file.hpp). Pure: no SimGrid, no I/O.
//
// Interpolation (measured on the production units, `moetwin stepmodel --check`; see step_model/README.md):
//   bilinear  (default)  bilinear in (batch, context) on the step time, within the grid cell holding the
//                        shape. Exact for t = a + b·batch + c·context + d·batch·context, the form of a step
//                        whose cost is per-token work (GEMMs, all-to-all) plus per-KV-token work (attention);
//                        what it misses is the roofline's and the overlap's kinks inside a cell.
//   log_bilinear         bilinear in (ln batch, ln context) on ln(step time): exact for power laws.
// Extrapolation (shapes outside the grid): the same formula of the nearest edge cell, continued linearly
// (bilinear: linear in batch beyond the last batch, as a step's cost is affine in its tokens; linear in
// context beyond the last context, as attention is). Never clamped. Values below zero cannot come from a
// grid of positive times within it; outside it the contract asks batch >= 1 and context >= 1.
#pragma once

#include "common/name_table.hpp"
#include "engine/phase.hpp"
#include "sim/serving/step_time_model.hpp"

#include <array>
#include <cstddef>
#include <vector>

namespace moetwin::serving {

enum class GridInterpolation { Bilinear, LogBilinear };

inline constexpr std::array<NameEntry<GridInterpolation>, 2> kGridInterpolations = {{
    {GridInterpolation::Bilinear, "bilinear", "bilinear in (batch, context) on the step time"},
    {GridInterpolation::LogBilinear, "log_bilinear", "bilinear in (ln batch, ln context) on ln(step time)"},
}};

// Step times of one unit on a grid. batch and context are StepShape's units (step_time_model.hpp).
struct StepGrid {
    Phase phase                     = Phase::Decode;
    GridInterpolation interpolation = GridInterpolation::Bilinear;
    std::vector<double> batch;   // strictly increasing, >= 1, at least 2 values
    std::vector<double> context; // strictly increasing, >= 1, at least 2 values
    std::vector<double> step_s;  // batch.size() × context.size(), row i = batch[i]; every value > 0

    double at(std::size_t i, std::size_t j) const { return step_s[i * context.size() + j]; }
};

// Contract: throws ConfigError "<origin>: <what is wrong>" unless the grid meets StepGrid's comments.
void check_step_grid(const StepGrid& grid, const std::string& origin);

class StepTimeGrid final : public StepTimeModel {
  public:
    explicit StepTimeGrid(StepGrid grid); // checked (check_step_grid, origin "step-time grid")
    double step_s(const StepShape& shape) const override;
    const StepGrid& grid() const { return grid_; }

  private:
    StepGrid grid_;
};

// Contract: pure. The grid's step time at `shape` by `grid.interpolation`, as described above; exactly the
// stored value at a grid point.
double interpolate_step_s(const StepGrid& grid, const StepShape& shape);

// Contract: pure. `n` >= 2 values from lo to hi (1 <= lo < hi), geometrically spaced, rounded to integers,
// duplicates dropped (so fewer than n when the range holds fewer integers); first lo, last hi.
std::vector<double> log_spaced_integers(double lo, double hi, int n);

} // namespace moetwin::serving
