// SPDX-License-Identifier: Apache-2.0
// The grid step-time model: step times of one deployment unit simulated at every point of a grid of shapes
// (batch per rank × context × cached tokens per new token), interpolated in between. Built by
// sim/serving/step_model/step_grid_build.hpp, stored as a model file (sim/serving/step_model/step_grid_file.hpp). Pure:
// no SimGrid, no I/O.
//
// Interpolation (measured on the production units, `moetwin stepmodel --check`; see step_model/README.md):
//   bilinear  (default)  bilinear in (batch, context) on the step time, within the grid cell holding the
//                        shape. Exact for t = a + b·batch + c·context + d·batch·context, the form of a step
//                        whose cost is per-token work (GEMMs, all-to-all) plus per-KV-token work (attention);
//                        what it misses is the roofline's and the overlap's kinks inside a cell.
//   log_bilinear         bilinear in (ln batch, ln context) on ln(step time): exact for power laws.
// Cached prefix (prefill): the grid's context axis is the new tokens' own part of the context,
// c_new = (N + 1) / 2 for prompts of N new tokens, and its third axis q = cached tokens per new token
// (StepShape::cached_per_token), so a grid point (B, c_new, q) is B tokens in prompts of N = 2·c_new − 1 new
// tokens after P = q·N cached ones. A shape's (context c, q) maps to c_new = (c − 1/2) / (2q + 1) + 1/2 (from
// c = P + (N + 1) / 2). At fixed (B, c_new) the step's work is affine in q (kv_b_proj rows B·(1 + q), attention
// pairs B·(q·N + c_new), the rest independent of q), so the model is linear in q between the planes (both
// interpolations) and continues linearly beyond the last. A decode grid has the one plane q = 0; a prefill grid
// with one plane (built without the cached axis) takes the shape's whole context as its context coordinate.
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

// Step times of one unit on a grid. batch is StepShape's unit; context is StepShape's for decode and c_new
// (above) for prefill, equal to StepShape's without a cached prefix; cached is StepShape::cached_per_token.
struct StepGrid {
    Phase phase                     = Phase::Decode;
    GridInterpolation interpolation = GridInterpolation::Bilinear;
    std::vector<double> batch;        // strictly increasing, >= 1, at least 2 values
    std::vector<double> context;      // strictly increasing, >= 1, at least 2 values
    std::vector<double> cached = {0}; // strictly increasing, first 0; decode: {0} only
    // cached.size() planes of batch.size() × context.size(), plane k = cached[k], row i = batch[i]; all > 0
    std::vector<double> step_s;

    double at(std::size_t i, std::size_t j, std::size_t k = 0) const {
        return step_s[(k * batch.size() + i) * context.size() + j];
    }
};

// Contract: pure. The grid's context coordinate c_new of a prefill shape (above); `context_tokens` itself when
// cached_per_token is 0 (bit for bit) or for decode.
double grid_context(Phase phase, const StepShape& shape);

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
