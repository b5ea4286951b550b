// SPDX-License-Identifier: Apache-2.0
// axis_range, nice_ticks.
#include "gui/plot_axes.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace moetwin::gui {

AxisRange axis_range(const std::vector<double>& values, double pad, bool from_zero) {
    double lo = std::numeric_limits<double>::infinity(), hi = -lo;
    for (const double v : values)
        if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
    if (!(lo <= hi)) return {0, 1};
    if (from_zero && lo >= 0) lo = 0;
    if (hi - lo <= 0) return {lo - 0.5, hi + 0.5};
    const double w = hi - lo;
    return {from_zero && lo == 0 ? 0 : lo - pad * w, hi + pad * w};
}

std::vector<double> nice_ticks(const AxisRange& r, int max_ticks) {
    max_ticks      = std::max(max_ticks, 2);
    const double w = r.hi - r.lo;
    if (!(w > 0) || !std::isfinite(w)) return {};
    const double raw = w / double(max_ticks - 1);
    const double mag = std::pow(10.0, std::floor(std::log10(raw)));
    double step      = mag * 10;
    for (const double m : {1.0, 2.0, 5.0})
        if (m * mag >= raw) {
            step = m * mag;
            break;
        }
    std::vector<double> out;
    for (double t = std::ceil(r.lo / step) * step; t <= r.hi + step * 1e-9 && int(out.size()) < max_ticks; t += step)
        out.push_back(std::abs(t) < step * 1e-9 ? 0.0 : t);
    return out;
}

} // namespace moetwin::gui
