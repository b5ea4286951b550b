// SPDX-License-Identifier: Apache-2.0
// LayerHeatmapPanel.
#include "gui/layer_heatmap_panel.hpp"

#include "gui/view_probe.hpp"
#include "gui/widgets.hpp"

#include <imgui.h>

#include <string>

namespace moetwin::gui {

void LayerHeatmapPanel::draw(const RunResult& r) {
    ImGui::SetNextItemWidth(280);
    if (ImGui::BeginCombo("cell value", std::string(layer_gpu_metric_name(metric)).c_str())) {
        for (int i = 0; i < kNumLayerGpuMetrics; ++i) {
            const auto m            = LayerGpuMetric(i);
            const bool ok           = layer_gpu_metric_available(r, m);
            const std::string label = std::string(layer_gpu_metric_name(m)) + (ok ? "" : " (no timing)");
            if (ImGui::Selectable(label.c_str(), m == metric, ok ? 0 : ImGuiSelectableFlags_Disabled)) metric = m;
        }
        ImGui::EndCombo();
    }
    help_marker("Rows are layers (0 at the top), columns GPUs. Idle is the layer's slowest GPU compute time minus "
                "this GPU's: how long it waits for the straggler at the layer's all-to-all.");
    if (!layer_gpu_metric_available(r, metric)) metric = LayerGpuMetric::TokensReceived;
    no_timing_banner(r, "compute and idle heatmaps need simulated timing; token loads are shown.");

    if (!valid_ || built_ != metric || !heatmap_.ready()) {
        matrix_ = layer_gpu_matrix(r, metric);
        scale_  = make_scale(Palette::Viridis, matrix_.values.data(), matrix_.values.size(), matrix_.label);
        heatmap_.upload(matrix_, scale_);
        built_ = metric;
        valid_ = true;
    }
    draw_legend(scale_, matrix_.unit);
    int dense = 0;
    for (int l = 0; l < matrix_.rows; ++l)
        dense += is_dense_layer(r, l) ? 1 : 0;
    if (dense > 0) {
        ImGui::SameLine(0, 30);
        swatch(kNoData, std::to_string(dense) + " dense layer" + (dense == 1 ? "" : "s") + " (no MoE): greyed");
    }
    if (matrix_.grouped()) {
        ImGui::SameLine(0, 30);
        ImGui::TextColored(ImColor(255, 200, 80), "%d GPUs shown as %d columns of %d (the largest of each group)",
                           matrix_.src_cols, matrix_.cols, matrix_.col_group);
    }
    view_probe().set("layers.rows", matrix_.rows);
    view_probe().set("layers.col_group", matrix_.col_group);
    int grey_rows = 0; // rows the texture draws all grey (kNoData): what the probe reports, not what we meant
    for (int l = 0; l < matrix_.rows; ++l) {
        bool any = false;
        for (int g = 0; g < matrix_.cols && !any; ++g)
            any = matrix_.has(l, g);
        grey_rows += any ? 0 : 1;
    }
    view_probe().set("layers.dense_rows", dense);
    view_probe().set("layers.grey_rows", grey_rows);
    view_probe().set("layers.metric", double(int(metric)));
    if (matrix_.rows == 0 || matrix_.cols == 0) {
        ImGui::TextUnformatted("This result has no layers.");
        return;
    }
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    const HeatmapHit h = heatmap_.draw("layer_gpu", avail, "layer", "GPU");
    if (!h.hit()) return;
    const int l = h.row, g = h.col;
    ImGui::BeginTooltip();
    if (matrix_.grouped()) {
        const auto [g0, g1] = matrix_.source_cols(g);
        ImGui::Text("layer %d, GPUs %d .. %d (%d GPUs in this column)", l, g0, g1 - 1, g1 - g0);
        ImGui::Separator();
        ImGui::Text("largest %s: %s", matrix_.label.c_str(), format_value(matrix_.at(l, g), matrix_.unit).c_str());
        ImGui::EndTooltip();
        return;
    }
    ImGui::Text("layer %d, GPU %d (node %d, local rank %d)", l, g, g / std::max(r.meta.gpus_per_node, 1),
                g % std::max(r.meta.gpus_per_node, 1));
    ImGui::Separator();
    ImGui::Text("%s: %s", matrix_.label.c_str(), format_value(matrix_.at(l, g), matrix_.unit).c_str());
    ImGui::Text("tokens received: %s", format_count(double(r.layer_gpu.tokens_received[size_t(l)][size_t(g)])).c_str());
    if (r.summary.timing_simulated)
        ImGui::Text("compute time: %s", format_ns(r.layer_gpu.compute_ns[size_t(l)][size_t(g)]).c_str());
    if (size_t(l) < r.experts.tokens.size() && r.experts.tokens[size_t(l)].empty())
        ImGui::TextUnformatted("dense layer");
    ImGui::EndTooltip();
}

} // namespace moetwin::gui
