// SPDX-License-Identifier: Apache-2.0
// ComparePanel.
#include "gui/compare_panel.hpp"

#include "gui/cluster_map.hpp"
#include "gui/result_diff.hpp"
#include "gui/scenario_diff.hpp"
#include "gui/view_probe.hpp"
#include "gui/widgets.hpp"

#include <imgui.h>

#include <algorithm>
#include <cmath>

namespace moetwin::gui {
namespace {

constexpr ImU32 kBetter = IM_COL32(110, 210, 120, 255);

void diff_table(const RunResult& a, const RunResult& b) {
    if (!ImGui::BeginTable("diff", 5,
                           ImGuiTableFlags_RowBg | ImGuiTableFlags_Borders | ImGuiTableFlags_SizingStretchProp))
        return;
    for (const char* h : {"metric", "A", "B", "B - A", "change"})
        ImGui::TableSetupColumn(h);
    ImGui::TableHeadersRow();
    for (const DiffRow& d : compare_results(a, b)) {
        view_probe().add("compare.rows", 1);
        ImGui::TableNextRow();
        ImGui::TableNextColumn(), ImGui::TextUnformatted(d.name.c_str());
        if (!d.available) {
            for (int i = 0; i < 4; ++i)
                ImGui::TableNextColumn(), ImGui::TextDisabled(i == 3 ? "no timing in A or B" : "-");
            continue;
        }
        ImGui::TableNextColumn(), ImGui::TextUnformatted(format_value(d.a, d.unit).c_str());
        ImGui::TableNextColumn(), ImGui::TextUnformatted(format_value(d.b, d.unit).c_str());
        const ImU32 c           = d.verdict() > 0 ? kBetter : d.verdict() < 0 ? kErrColor : kTextDim;
        const std::string delta = (d.delta() > 0 ? "+" : "") + format_value(d.delta(), d.unit);
        ImGui::TableNextColumn(), coloured_text(c, delta);
        const auto rel = d.relative();
        ImGui::TableNextColumn(), coloured_text(c, rel ? (*rel > 0 ? "+" : "") + format_percent(*rel) : "n/a");
    }
    ImGui::EndTable();
}

// The scenario settings that differ (every default filled in), one "path: A -> B" line each.
void scenario_list(const RunResult& a, const RunResult& b) {
    if (!records_scenario(a) || !records_scenario(b)) {
        ImGui::TextColored(ImColor(kWarnColor), "%s does not record its scenario: settings cannot be compared.",
                           records_scenario(a) ? "B" : "A");
        return;
    }
    const std::vector<JsonDifference> diffs = scenario_differences(a, b);
    if (diffs.empty()) {
        ImGui::TextColored(ImColor(kTextDim), "Same scenario settings (every default filled in).");
        return;
    }
    ImGui::Text("Scenario differences (%zu):", diffs.size());
    for (const JsonDifference& d : diffs)
        ImGui::BulletText("%s: %s -> %s", d.path.c_str(), d.a.c_str(), d.b.c_str());
}

} // namespace

void ComparePanel::draw(const RunResult& a, const RunResult* b, const char* a_name, const char* b_name) {
    if (!b) {
        ImGui::TextWrapped("Nothing to compare yet. Open a second result as B (File > Open B, or --compare B.json), "
                           "or re-run a what-if: its result opens as B.");
        return;
    }
    ImGui::Text("A: %s", a_name);
    ImGui::Text("B: %s", b_name);
    const auto setup = setup_differences(a, *b);
    if (setup.empty()) {
        ImGui::TextColored(ImColor(kTextDim), "Same setup (scenario, sizes, models).");
    } else {
        ImGui::TextUnformatted("Setup differences:");
        for (const std::string& s : setup)
            ImGui::BulletText("%s", s.c_str());
    }
    scenario_list(a, *b);
    diff_table(a, *b);
    ImGui::Spacing();

    if (!same_gpu_layout(a, *b)) {
        ImGui::TextColored(ImColor(kWarnColor),
                           "A and B have different GPU layouts (%d x %d vs %d x %d): per-GPU maps "
                           "are shown on a shared scale but cannot be subtracted.",
                           a.meta.num_nodes, a.meta.gpus_per_node, b->meta.num_nodes, b->meta.gpus_per_node);
    }
    ImGui::SetNextItemWidth(200);
    if (ImGui::BeginCombo("per-GPU metric", std::string(metric_name(metric)).c_str())) {
        for (int i = 0; i < kNumGpuMetrics; ++i) {
            const auto m  = GpuMetric(i);
            const bool ok = metric_available(a, m) && metric_available(*b, m);
            if (ImGui::Selectable(std::string(metric_name(m)).c_str(), m == metric,
                                  ok ? 0 : ImGuiSelectableFlags_Disabled))
                metric = m;
        }
        ImGui::EndCombo();
    }
    if (!metric_available(a, metric) || !metric_available(*b, metric)) metric = GpuMetric::TokensReceived;
    const Unit unit              = metric_unit(metric);
    const std::string name       = std::string(metric_name(metric));
    const std::vector<double> va = gpu_values(a, metric), vb = gpu_values(*b, metric);
    std::vector<double> both(va);
    both.insert(both.end(), vb.begin(), vb.end());
    const ColourScale shared    = make_scale(Palette::Viridis, both.data(), both.size(), name + " (A and B)");
    const std::vector<double> d = gpu_delta(a, *b, metric);
    const ColourScale diverging = make_scale(Palette::Diverging, d.data(), d.size(), name + ": B - A");

    const ImVec2 avail = ImGui::GetContentRegionAvail();
    const int panes    = d.empty() ? 2 : 3;
    const float w      = (avail.x - 12 * float(panes - 1)) / float(panes);
    const float h      = avail.y - 3 * ImGui::GetTextLineHeightWithSpacing() - 24;
    const auto pane    = [&](const char* id, const char* title, const RunResult& r, const std::vector<double>& v,
                          const ColourScale& s) {
        ImGui::BeginGroup();
        ImGui::TextUnformatted(title);
        ClusterMapStyle style;
        style.unit        = unit;
        style.show_values = false;
        const int g       = draw_cluster_map(id, r, v, s, ImVec2(w, h), style);
        if (g >= 0) gpu_tooltip(r, g, (std::string(title) + " " + name).c_str(), format_value(v[size_t(g)], unit));
        draw_legend(s, unit, std::clamp(w - ImGui::CalcTextSize(s.label.c_str()).x - 20, 80.0f, 260.0f));
        ImGui::EndGroup();
    };
    pane("map_a", "A", a, va, shared);
    ImGui::SameLine(0, 12);
    pane("map_b", "B", *b, vb, shared);
    if (!d.empty()) {
        ImGui::SameLine(0, 12);
        pane("map_d", "B - A", *b, d, diverging);
    }
}

} // namespace moetwin::gui
