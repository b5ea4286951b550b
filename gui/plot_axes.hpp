// SPDX-License-Identifier: Apache-2.0
// Axis maths for the GUI's line and scatter plots (sweep, serving): a value range padded for drawing, and
// round tick values within it. No ImGui.
#pragma once

#include <vector>

namespace moetwin::gui {

struct AxisRange {
    double lo = 0, hi = 1;
    double to_unit(double v) const { return hi > lo ? (v - lo) / (hi - lo) : 0.5; } // lo -> 0, hi -> 1
};

// Contract: pure. The range of the finite values, widened by `pad` of its width on each side; from 0 when
// `from_zero` and every value is >= 0; a single value (or none) gives a range of width 1 around it.
AxisRange axis_range(const std::vector<double>& values, double pad, bool from_zero);

// Contract: pure. Tick values 1, 2 or 5 x 10^k apart inside [r.lo, r.hi], at most max_ticks of them (>= 2).
std::vector<double> nice_ticks(const AxisRange& r, int max_ticks);

} // namespace moetwin::gui
