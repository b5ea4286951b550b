// SPDX-License-Identifier: Apache-2.0
// StepTimeGrid: grid checks, interpolation and extrapolation (step_time_grid.hpp).
#include "sim/serving/step_time_grid.hpp"

#include "common/errors.hpp"
#include "common/json_reader.hpp"

#include <algorithm>
#include <cmath>
#include <string>

namespace moetwin::serving {
namespace {

void check_axis(const std::vector<double>& axis, const std::string& origin, const char* name) {
    if (axis.size() < 2)
        throw ConfigError(origin + ": " + name + ": needs at least 2 values, has " + std::to_string(axis.size()));
    for (std::size_t i = 0; i < axis.size(); ++i) {
        if (!std::isfinite(axis[i]) || axis[i] < 1)
            throw ConfigError(origin + ": " + name + "[" + std::to_string(i) + "]: " + format_number(axis[i]) +
                              " must be a finite number >= 1");
        if (i > 0 && !(axis[i] > axis[i - 1]))
            throw ConfigError(origin + ": " + name + "[" + std::to_string(i) + "]: " + format_number(axis[i]) +
                              " must be above the previous value " + format_number(axis[i - 1]));
    }
}

// The cell [axis[k], axis[k+1]] that holds x (the first or last cell outside the axis) and x's coordinate in
// it: 0 at axis[k], 1 at axis[k+1], below 0 or above 1 outside the axis.
struct Cell {
    std::size_t k = 0;
    double u      = 0;
};

Cell locate(const std::vector<double>& axis, double x, bool log_scale) {
    const auto it   = std::upper_bound(axis.begin(), axis.end(), x);
    std::size_t k   = it == axis.begin() ? 0 : std::size_t(it - axis.begin()) - 1;
    k               = std::min(k, axis.size() - 2);
    const double lo = axis[k], hi = axis[k + 1];
    if (x == lo) return {k, 0.0};
    if (x == hi) return {k, 1.0};
    const double u = log_scale ? (std::log(x) - std::log(lo)) / (std::log(hi) - std::log(lo)) : (x - lo) / (hi - lo);
    return {k, u};
}

} // namespace

void check_step_grid(const StepGrid& grid, const std::string& origin) {
    check_axis(grid.batch, origin, "batch");
    check_axis(grid.context, origin, "context");
    const auto& q = grid.cached;
    if (q.empty() || q.front() != 0)
        throw ConfigError(origin + ": cached: must start with 0 (the plane without a cached prefix)");
    for (std::size_t k = 1; k < q.size(); ++k)
        if (!std::isfinite(q[k]) || !(q[k] > q[k - 1]))
            throw ConfigError(origin + ": cached[" + std::to_string(k) + "]: " + format_number(q[k]) +
                              " must be a finite number above the previous value " + format_number(q[k - 1]));
    if (grid.phase == Phase::Decode && q.size() != 1)
        throw ConfigError(origin + ": cached: a decode grid has the one value 0 (decode has no cached prefix)");
    const std::size_t plane = grid.batch.size() * grid.context.size();
    if (grid.step_s.size() != plane * q.size())
        throw ConfigError(origin + ": step_s: " + std::to_string(grid.step_s.size()) + " values for a grid of " +
                          std::to_string(q.size()) + " × " + std::to_string(grid.batch.size()) + " × " +
                          std::to_string(grid.context.size()));
    for (std::size_t i = 0; i < grid.step_s.size(); ++i)
        if (!std::isfinite(grid.step_s[i]) || !(grid.step_s[i] > 0))
            throw ConfigError(origin + ": step_s[" + std::to_string(i / plane) + "][" +
                              std::to_string(i % plane / grid.context.size()) + "][" +
                              std::to_string(i % grid.context.size()) + "]: " + format_number(grid.step_s[i]) +
                              " must be a finite number > 0");
}

double grid_context(Phase phase, const StepShape& shape) {
    if (phase == Phase::Decode || shape.cached_per_token == 0) return shape.context_tokens;
    return (shape.context_tokens - 0.5) / (2 * shape.cached_per_token + 1) + 0.5;
}

StepTimeGrid::StepTimeGrid(StepGrid grid) : grid_(std::move(grid)) {
    check_step_grid(grid_, "step-time grid");
}

double StepTimeGrid::step_s(const StepShape& shape) const {
    return interpolate_step_s(grid_, shape);
}

namespace {

// The (batch, context) interpolation on plane k of the grid.
double plane_step_s(const StepGrid& grid, std::size_t k, const Cell& b, const Cell& c, bool log_scale) {
    // A grid point: its stored value, bit for bit (no exp(log(t)) round trip).
    if ((b.u == 0 || b.u == 1) && (c.u == 0 || c.u == 1))
        return grid.at(b.k + std::size_t(b.u), c.k + std::size_t(c.u), k);
    const auto f = [&](std::size_t i, std::size_t j) {
        const double t = grid.at(i, j, k);
        return log_scale ? std::log(t) : t;
    };
    const double v = (1 - b.u) * (1 - c.u) * f(b.k, c.k) + b.u * (1 - c.u) * f(b.k + 1, c.k) +
                     (1 - b.u) * c.u * f(b.k, c.k + 1) + b.u * c.u * f(b.k + 1, c.k + 1);
    return log_scale ? std::exp(v) : v;
}

} // namespace

double interpolate_step_s(const StepGrid& grid, const StepShape& shape) {
    const bool log_scale = grid.interpolation == GridInterpolation::LogBilinear;
    const Cell b         = locate(grid.batch, shape.batch_per_rank, log_scale);
    // One plane (decode, or a prefill grid built without cached prefixes): the shape's whole context on it.
    if (grid.cached.size() == 1)
        return plane_step_s(grid, 0, b, locate(grid.context, shape.context_tokens, log_scale), log_scale);
    const Cell c   = locate(grid.context, grid_context(grid.phase, shape), log_scale);
    const double q = shape.cached_per_token;
    if (q == 0) return plane_step_s(grid, 0, b, c, log_scale);
    const Cell p = locate(grid.cached, q, false); // linear in q (the step's work is affine in it)
    if (p.u == 0 || p.u == 1) return plane_step_s(grid, p.k + std::size_t(p.u), b, c, log_scale);
    return (1 - p.u) * plane_step_s(grid, p.k, b, c, log_scale) + p.u * plane_step_s(grid, p.k + 1, b, c, log_scale);
}

std::vector<double> log_spaced_integers(double lo, double hi, int n) {
    MOETWIN_ASSERT(lo >= 1 && hi > lo && n >= 2, "log_spaced_integers: needs 1 <= lo < hi and n >= 2");
    std::vector<double> out;
    for (int i = 0; i < n; ++i) {
        const double x = i == n - 1 ? hi : std::round(lo * std::pow(hi / lo, double(i) / double(n - 1)));
        if (out.empty() || x > out.back()) out.push_back(x);
    }
    return out;
}

} // namespace moetwin::serving
