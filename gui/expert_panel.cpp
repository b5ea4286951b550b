// SPDX-License-Identifier: Apache-2.0
// ExpertPanel: heatmap + replica overlay + placement tooltip.
#include "gui/expert_panel.hpp"

#include "gui/view_probe.hpp"
#include "gui/widgets.hpp"

#include <imgui.h>

#include <algorithm>
#include <string>

namespace moetwin::gui {
namespace {

void draw_replica_markers(const std::vector<std::vector<int>>& replicas, const HeatmapGeometry& g) {
    ImDrawList* dl   = ImGui::GetWindowDrawList();
    const float size = std::clamp(std::min(g.cell_w, g.cell_h) * 0.6f, 2.0f, 10.0f);
    const bool text  = g.cell_w >= 16 && g.cell_h >= ImGui::GetTextLineHeight();
    for (int l = 0; l < g.rows && size_t(l) < replicas.size(); ++l) {
        for (int x = 0; x < g.cols && size_t(x) < replicas[size_t(l)].size(); ++x) {
            const int n = replicas[size_t(l)][size_t(x)];
            if (n <= 1) continue;
            const ImVec2 a = g.cell_min(l, x);
            const ImVec2 tr(a.x + g.cell_w, a.y);
            dl->AddTriangleFilled(tr, ImVec2(tr.x - size, tr.y), ImVec2(tr.x, tr.y + size),
                                  IM_COL32(80, 220, 255, 255));
            if (text && n > 2)
                dl->AddText(ImVec2(a.x + 1, a.y), IM_COL32(255, 255, 255, 255), std::to_string(n).c_str());
        }
    }
}

std::string gpu_list(const std::vector<int>& gpus, int gpn) {
    std::string s;
    for (size_t i = 0; i < gpus.size(); ++i) {
        if (i == 12) return s + ", ... (" + std::to_string(gpus.size()) + " in all)";
        s += (i ? ", " : "") + std::to_string(gpus[i]) + " (n" + std::to_string(gpus[i] / std::max(gpn, 1)) + ")";
    }
    return s;
}

} // namespace

void ExpertPanel::draw(const RunResult& r) {
    ImGui::SetNextItemWidth(220);
    if (ImGui::BeginCombo("cell value", std::string(expert_metric_name(metric)).c_str())) {
        for (int i = 0; i < kNumExpertMetrics; ++i)
            if (ImGui::Selectable(std::string(expert_metric_name(ExpertMetric(i))).c_str(), int(metric) == i))
                metric = ExpertMetric(i);
        ImGui::EndCombo();
    }
    ImGui::SameLine();
    ImGui::Checkbox("show replicas", &show_replicas);
    help_marker("Rows are layers, columns logical experts. A cyan corner marks an expert with more than one "
                "physical copy (redundant experts from the placement, experts.phy2log); the number is the copy "
                "count when it is above 2 and fits. Grey rows are dense layers. Hover a cell for the GPUs that "
                "hold it.");
    if (r.experts.num_experts <= 0) {
        ImGui::TextUnformatted("This result has no routed experts.");
        return;
    }
    if (std::all_of(r.experts.tokens.begin(), r.experts.tokens.end(), [](const auto& row) { return row.empty(); })) {
        ImGui::TextWrapped("This result has no per-expert loads: every row of experts.tokens is empty (only dense "
                           "layers, or the simulator did not route tokens).");
        return;
    }
    if (!valid_ || built_ != metric || !heatmap_.ready()) {
        matrix_   = expert_matrix(r, metric);
        scale_    = make_scale(Palette::Inferno, matrix_.values.data(), matrix_.values.size(), matrix_.label);
        replicas_ = replica_counts(r, matrix_.col_group);
        summary_  = replica_summary(r);
        heatmap_.upload(matrix_, scale_);
        built_ = metric;
        valid_ = true;
    }
    draw_legend(scale_, matrix_.unit);
    ImGui::SameLine(0, 30);
    ImGui::TextColored(ImColor(kTextDim),
                       "%d experts in %d slots/GPU; %lld redundant copies per MoE layer (%d MoE layers)",
                       r.experts.num_experts, r.experts.slots_per_gpu,
                       static_cast<long long>(summary_.copies_per_layer), summary_.moe_layers);
    if (matrix_.grouped())
        ImGui::TextColored(ImColor(255, 200, 80),
                           "%d experts shown as %d columns of %d experts each (the hottest "
                           "of each group; the heatmap is capped at %lld cells): hover a column for its range",
                           matrix_.src_cols, matrix_.cols, matrix_.col_group, static_cast<long long>(kMaxHeatmapCells));

    view_probe().set("experts.moe_layers", summary_.moe_layers);
    view_probe().set("experts.columns", matrix_.cols);
    view_probe().set("experts.col_group", matrix_.col_group);
    HeatmapGeometry geom;
    const HeatmapHit h = heatmap_.draw("experts", ImGui::GetContentRegionAvail(), "layer", "logical expert", &geom);
    if (show_replicas) draw_replica_markers(replicas_, geom);
    if (!h.hit()) return;
    const int l = h.row, x = h.col;
    ImGui::BeginTooltip();
    if (matrix_.grouped()) {
        const auto [x0, x1] = matrix_.source_cols(x);
        ImGui::Text("layer %d, logical experts %d .. %d (%d experts)", l, x0, x1 - 1, x1 - x0);
        ImGui::Separator();
        if (!matrix_.has(l, x))
            ImGui::TextUnformatted("dense layer: no routed experts");
        else
            ImGui::Text("hottest %s: %s; most copies: %d", matrix_.label.c_str(),
                        format_count(matrix_.at(l, x)).c_str(), replicas_[size_t(l)][size_t(x)]);
        ImGui::EndTooltip();
        return;
    }
    ImGui::Text("layer %d, logical expert %d", l, x);
    ImGui::Separator();
    if (!matrix_.has(l, x)) {
        ImGui::TextUnformatted("dense layer: no routed experts");
    } else {
        const int64_t tokens = r.experts.tokens[size_t(l)][size_t(x)];
        const int n          = replicas_[size_t(l)][size_t(x)];
        if (metric != ExpertMetric::Tokens)
            ImGui::Text("%s: %s", matrix_.label.c_str(), format_count(matrix_.at(l, x)).c_str());
        ImGui::Text("tokens routed: %s", format_count(double(tokens)).c_str());
        ImGui::Text("replicas: %d  (%s tokens per replica)", n, format_count(double(tokens) / std::max(n, 1)).c_str());
        ImGui::Text("on GPUs: %s", gpu_list(gpus_hosting(r, l, x), r.meta.gpus_per_node).c_str());
    }
    ImGui::EndTooltip();
}

} // namespace moetwin::gui
