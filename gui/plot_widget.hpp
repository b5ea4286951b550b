// SPDX-License-Identifier: Apache-2.0
// A line plot drawn with ImDrawList (bookworm has no ImPlot: /work/shared/toolchain.md): axes with round ticks,
// one polyline per series, a legend, and a hover readout of the nearest x. Used by the serving view.
#pragma once

#include <imgui.h>

#include <string>
#include <vector>

namespace moetwin::gui {

struct PlotSeries {
    std::string label;
    const std::vector<double>* y = nullptr; // one value per x
    ImU32 colour                 = 0;
};

// Draws in a child of `size`; returns how many series had at least two points drawn.
int line_plot(const char* title, const std::vector<double>& x, const char* x_label,
              const std::vector<PlotSeries>& series, const char* y_unit, ImVec2 size);

} // namespace moetwin::gui
