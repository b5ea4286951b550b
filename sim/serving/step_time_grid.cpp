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
    if (grid.step_s.size() != grid.batch.size() * grid.context.size())
        throw ConfigError(origin + ": step_s: " + std::to_string(grid.step_s.size()) + " values for a grid of " +
                          std::to_string(grid.batch.size()) + " × " + std::to_string(grid.context.size()));
    for (std::size_t i = 0; i < grid.step_s.size(); ++i)
        if (!std::isfinite(grid.step_s[i]) || !(grid.step_s[i] > 0))
            throw ConfigError(origin + ": step_s[" + std::to_string(i / grid.context.size()) + "][" +
                              std::to_string(i % grid.context.size()) + "]: " + format_number(grid.step_s[i]) +
                              " must be a finite number > 0");
}

StepTimeGrid::StepTimeGrid(StepGrid grid) : grid_(std::move(grid)) {
    check_step_grid(grid_, "step-time grid");
}

double StepTimeGrid::step_s(const StepShape& shape) const {
    return interpolate_step_s(grid_, shape);
}

double interpolate_step_s(const StepGrid& grid, const StepShape& shape) {
    const bool log_scale = grid.interpolation == GridInterpolation::LogBilinear;
    const Cell b         = locate(grid.batch, shape.batch_per_rank, log_scale);
    const Cell c         = locate(grid.context, shape.context_tokens, log_scale);
    // A grid point: its stored value, bit for bit (no exp(log(t)) round trip).
    if ((b.u == 0 || b.u == 1) && (c.u == 0 || c.u == 1))
        return grid.at(b.k + std::size_t(b.u), c.k + std::size_t(c.u));
    const auto f = [&](std::size_t i, std::size_t j) {
        const double t = grid.at(i, j);
        return log_scale ? std::log(t) : t;
    };
    const double v = (1 - b.u) * (1 - c.u) * f(b.k, c.k) + b.u * (1 - c.u) * f(b.k + 1, c.k) +
                     (1 - b.u) * c.u * f(b.k, c.k + 1) + b.u * c.u * f(b.k + 1, c.k + 1);
    return log_scale ? std::exp(v) : v;
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
