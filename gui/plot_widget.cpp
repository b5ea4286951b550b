// SPDX-License-Identifier: Apache-2.0
// line_plot.
#include "gui/plot_widget.hpp"

#include "gui/format.hpp"
#include "gui/plot_axes.hpp"
#include "gui/widgets.hpp"

#include <algorithm>
#include <cmath>

namespace moetwin::gui {

int line_plot(const char* title, const std::vector<double>& x, const char* x_label,
              const std::vector<PlotSeries>& series, const char* y_unit, ImVec2 size) {
    ImGui::BeginChild(title, size, true, ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoScrollWithMouse);
    ImGui::TextUnformatted(title);
    for (const PlotSeries& s : series) {
        ImGui::SameLine(0, 14);
        swatch(s.colour, s.label);
    }
    std::vector<double> all;
    for (const PlotSeries& s : series)
        all.insert(all.end(), s.y->begin(), s.y->end());
    const AxisRange xr = axis_range(x, 0, false), yr = axis_range(all, 0.05, true);
    ImDrawList* dl        = ImGui::GetWindowDrawList();
    const ImVec2 p0       = ImGui::GetCursorScreenPos();
    const ImVec2 avail    = ImGui::GetContentRegionAvail();
    constexpr float kLeft = 64, kBottom = 20;
    const float w = std::max(avail.x - kLeft - 8, 10.0f), h = std::max(avail.y - kBottom, 10.0f);
    const ImVec2 o(p0.x + kLeft, p0.y);
    const auto px = [&](double xv, double yv) {
        return ImVec2(o.x + float(xr.to_unit(xv)) * w, o.y + h - float(yr.to_unit(yv)) * h);
    };
    dl->AddRect(o, ImVec2(o.x + w, o.y + h), IM_COL32(90, 90, 100, 255));
    for (const double t : nice_ticks(yr, 5)) {
        const float y = px(xr.lo, t).y;
        dl->AddLine(ImVec2(o.x, y), ImVec2(o.x + w, y), IM_COL32(60, 60, 68, 255));
        const std::string label = format_count(t) + (t != 0 ? std::string(" ") + y_unit : "");
        dl->AddText(ImVec2(p0.x, y - 7), kTextDim, label.c_str());
    }
    for (const double t : nice_ticks(xr, 8)) {
        const float xx = px(t, yr.lo).x;
        dl->AddLine(ImVec2(xx, o.y + h), ImVec2(xx, o.y + h + 4), kTextDim);
        dl->AddText(ImVec2(xx - 12, o.y + h + 4), kTextDim, format_count(t).c_str());
    }
    dl->AddText(ImVec2(o.x + w - 60, o.y + h + 4), kTextDim, x_label);
    int drawn = 0;
    for (const PlotSeries& s : series) {
        std::vector<ImVec2> pts;
        for (std::size_t i = 0; i < x.size() && i < s.y->size(); ++i)
            pts.push_back(px(x[i], (*s.y)[i]));
        if (pts.size() >= 2)
            dl->AddPolyline(pts.data(), int(pts.size()), s.colour, 0, 1.5f), ++drawn;
        else if (pts.size() == 1)
            dl->AddCircleFilled(pts[0], 3, s.colour);
    }
    ImGui::InvisibleButton("area", ImVec2(w + kLeft, h + kBottom));
    if (ImGui::IsItemHovered() && !x.empty()) {
        const double xv = xr.lo + double(ImGui::GetIO().MousePos.x - o.x) / w * (xr.hi - xr.lo);
        const auto it   = std::lower_bound(x.begin(), x.end(), xv);
        std::size_t i   = std::size_t(std::min<std::ptrdiff_t>(it - x.begin(), std::ptrdiff_t(x.size()) - 1));
        if (i > 0 && std::abs(x[i - 1] - xv) < std::abs(x[i] - xv)) --i;
        dl->AddLine(ImVec2(px(x[i], 0).x, o.y), ImVec2(px(x[i], 0).x, o.y + h), IM_COL32(200, 200, 210, 120));
        ImGui::BeginTooltip();
        ImGui::Text("%s %s", x_label, format_fixed(x[i], 2).c_str());
        for (const PlotSeries& s : series)
            if (i < s.y->size()) ImGui::Text("%s: %.4g %s", s.label.c_str(), (*s.y)[i], y_unit);
        ImGui::EndTooltip();
    }
    ImGui::EndChild();
    return drawn;
}

} // namespace moetwin::gui
