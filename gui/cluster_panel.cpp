// SPDX-License-Identifier: Apache-2.0
// ClusterPanel.
#include "gui/cluster_panel.hpp"

#include "gui/cluster_map.hpp"
#include "gui/view_probe.hpp"
#include "gui/widgets.hpp"

#include <imgui.h>

#include <algorithm>

namespace moetwin::gui {

int ClusterPanel::draw(const RunResult& r) {
    const GpuMetric asked = metric ? *metric : default_gpu_metric(r);
    GpuMetric shown       = metric_available(r, asked) ? asked : GpuMetric::TokensReceived;
    ImGui::SetNextItemWidth(200);
    if (ImGui::BeginCombo("colour GPUs by", std::string(metric_name(shown)).c_str())) {
        for (int i = 0; i < kNumGpuMetrics; ++i) {
            const auto m            = GpuMetric(i);
            const bool ok           = metric_available(r, m);
            const std::string label = std::string(metric_name(m)) + (ok ? "" : " (no timing)");
            if (ImGui::Selectable(label.c_str(), m == shown, ok ? 0 : ImGuiSelectableFlags_Disabled)) metric = m;
        }
        ImGui::EndCombo();
    }
    const GpuMetric chosen = metric ? *metric : asked;
    shown                  = metric_available(r, chosen) ? chosen : GpuMetric::TokensReceived;
    if (shown != chosen) {
        ImGui::SameLine();
        coloured_text(kWarnColor, "no timing in this result: showing tokens received");
    }
    ImGui::SameLine();
    ImGui::Checkbox("distribution", &show_distribution);

    const std::vector<double> v = gpu_values(r, shown);
    const ColourScale scale     = make_scale(Palette::Viridis, v.data(), v.size(), std::string(metric_name(shown)));
    const Unit unit             = metric_unit(shown);
    draw_legend(scale, unit);
    const LegendLabels legend = legend_labels(scale.lo, scale.hi, unit);
    view_probe().set("cluster.metric", double(int(shown)));
    view_probe().set("cluster.values_vary", values_vary(v) ? 1 : 0);
    view_probe().set("cluster.legend_distinct", legend.lo != legend.mid && legend.mid != legend.hi ? 1 : 0);
    ImGui::SameLine(0, 40);
    if (scale.lo == scale.hi)
        ImGui::TextColored(ImColor(kWarnColor), "every GPU has the same value (%s)",
                           format_value(scale.lo, unit).c_str());
    else
        ImGui::TextColored(ImColor(kTextDim), "max/mean %.3f", imbalance(v));

    const float dist_h = show_distribution ? 90.0f : 0.0f;
    ImVec2 avail       = ImGui::GetContentRegionAvail();
    avail.y -= dist_h;
    ClusterMapStyle style;
    style.unit          = unit;
    style.highlight_gpu = r.summary.timing_simulated ? r.summary.slowest_gpu : -1;
    const int hovered   = draw_cluster_map("cluster", r, v, scale, avail, style);
    int clicked         = -1;
    if (hovered >= 0) {
        gpu_tooltip(r, hovered, std::string(metric_name(shown)).c_str(), format_value(v[size_t(hovered)], unit));
        if (ImGui::IsMouseClicked(ImGuiMouseButton_Left)) clicked = hovered;
    }
    if (show_distribution && !v.empty()) {
        std::vector<float> sorted(v.begin(), v.end());
        std::sort(sorted.begin(), sorted.end(), std::greater<>());
        const std::string overlay = "GPUs sorted by " + std::string(metric_name(shown)) + ": max " +
                                    format_value(sorted.front(), unit) + ", min " + format_value(sorted.back(), unit);
        ImGui::PlotLines("##dist", sorted.data(), int(sorted.size()), 0, overlay.c_str(), FLT_MAX, FLT_MAX,
                         ImVec2(ImGui::GetContentRegionAvail().x, dist_h - 8));
    }
    return clicked;
}

} // namespace moetwin::gui
