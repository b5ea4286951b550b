// SPDX-License-Identifier: Apache-2.0
// Random off-grid shapes and the model's error against direct step simulations (step_grid_check.hpp).
#include "sim/serving/step_model/step_grid_check.hpp"

#include "common/rng.hpp"
#include "sim/serving/step_model/step_grid_build.hpp"

#include <algorithm>
#include <cmath>

namespace moetwin::serving {
namespace {

bool on_axis(const std::vector<double>& axis, double v) {
    return std::find(axis.begin(), axis.end(), v) != axis.end();
}

double log_uniform(Rng& rng, double lo, double hi) {
    return std::exp(std::log(lo) + rng.uniform() * std::log(hi / lo));
}

} // namespace

std::vector<StepShape> random_off_grid_shapes(const StepGrid& grid, int k, uint64_t seed, int micro_batches) {
    Rng rng(seed, 0x57e9c4ec);
    std::vector<StepShape> out;
    // Up to 100 draws per point: a grid whose axes are dense in integers has few off-grid shapes.
    for (int tries = 0; int(out.size()) < k && tries < 100 * std::max(k, 1); ++tries) {
        const double b = log_uniform(rng, grid.batch.front(), grid.batch.back());
        const double c = log_uniform(rng, grid.context.front(), grid.context.back());
        // With a cached axis, one shape in four without a prefix (the plane q = 0), the others log-uniform in
        // q from 1/4 to the last plane (the drawn c is the new tokens' part, c_new).
        double q = 0;
        if (grid.cached.size() > 1 && rng.uniform() >= 0.25) q = log_uniform(rng, 0.25, grid.cached.back());
        const StepShape sim = simulated_shape(grid.phase, grid_point_shape(grid.phase, b, c, q));
        const double c_new  = grid.cached.size() > 1 ? grid_context(grid.phase, sim) : sim.context_tokens;
        if (on_axis(grid.batch, sim.batch_per_rank) || on_axis(grid.context, c_new)) continue;
        if (c_new > grid.context.back() || sim.batch_per_rank > grid.batch.back()) continue;
        // Prefill: a prompt of N = 2·c_new − 1 new tokens within one micro-batch.
        if (grid.phase == Phase::Prefill && 2 * c_new - 1 > std::floor(sim.batch_per_rank / std::max(1, micro_batches)))
            continue;
        out.push_back(sim);
    }
    return out;
}

CheckReport check_step_model(const Scenario& s, const StepGrid& grid, const std::vector<StepShape>& shapes, int jobs) {
    CheckReport r;
    const std::vector<double> direct = simulate_step_times(s, shapes, jobs);
    StepGrid other                   = grid;
    other.interpolation = grid.interpolation == GridInterpolation::Bilinear ? GridInterpolation::LogBilinear
                                                                            : GridInterpolation::Bilinear;
    for (std::size_t i = 0; i < shapes.size(); ++i) {
        CheckPoint p{shapes[i], direct[i], interpolate_step_s(grid, shapes[i]), interpolate_step_s(other, shapes[i])};
        const double e        = std::abs(p.model_s - p.direct_s) / p.direct_s;
        const double o        = std::abs(p.other_s - p.direct_s) / p.direct_s;
        r.max_rel_error       = std::max(r.max_rel_error, e);
        r.other_max_rel_error = std::max(r.other_max_rel_error, o);
        r.mean_rel_error += e / double(shapes.size());
        r.other_mean_rel_error += o / double(shapes.size());
        r.points.push_back(p);
    }
    return r;
}

} // namespace moetwin::serving
