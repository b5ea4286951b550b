// SPDX-License-Identifier: Apache-2.0
// Cluster map: layout (columns of node strips chosen to maximise the cell size), drawing, hover.
#include "gui/cluster_map.hpp"

#include "gui/view_probe.hpp"
#include "gui/widgets.hpp"

#include <algorithm>
#include <cmath>
#include <string>

namespace moetwin::gui {

int draw_cluster_map(const char* id, const RunResult& r, const std::vector<double>& values, const ColourScale& s,
                     ImVec2 size, const ClusterMapStyle& style) {
    const int nodes = std::max(r.meta.num_nodes, 1), gpn = std::max(r.meta.gpus_per_node, 1);
    const ImVec2 p0 = ImGui::GetCursorScreenPos();
    size            = ImVec2(std::max(size.x, 50.0f), std::max(size.y, 30.0f));

    const float label = ImGui::CalcTextSize("n000").x + 6, gap = 6;
    const float header = ImGui::GetTextLineHeight() + 2; // local-rank labels ("g0".."g7") above each node strip
    size.y             = std::max(size.y - header, 20.0f);
    // Choose how many node strips go side by side so that cells are as large as possible (capped at 110 px).
    int best_k      = 1;
    float best_cell = 0;
    for (int k = 1; k <= nodes; ++k) {
        const int rows   = (nodes + k - 1) / k;
        const float cw   = (size.x - float(k) * (label + gap)) / float(k * gpn);
        const float ch   = size.y / float(rows) - 2;
        const float cell = std::min({cw, ch * 1.6f, 110.0f});
        if (cell > best_cell + 0.25f) best_cell = cell, best_k = k;
    }
    const int rows    = (nodes + best_k - 1) / best_k;
    const float cw    = std::max(best_cell, 2.0f);
    const float ch    = std::clamp(size.y / float(rows) - 2, 2.0f, cw / 1.6f * 1.0f + 8);
    const float strip = label + gpn * cw + gap;
    ImGui::InvisibleButton(id, ImVec2(size.x, header + float(rows) * (ch + 2))); // only the height the map needs
    const bool hovered = ImGui::IsItemHovered();

    ImDrawList* dl     = ImGui::GetWindowDrawList();
    const ImVec2 mouse = ImGui::GetIO().MousePos;
    int hovered_gpu    = -1;
    // GPU labels: the local rank above every column of every strip, thinned to fit (every 2nd, 4th, ...).
    const float rank_w = ImGui::CalcTextSize("g00").x + 4;
    const int every    = std::max(1, int(std::ceil(rank_w / std::max(cw, 1.0f))));
    int labels         = 0;
    for (int k = 0; k * rows < nodes; ++k)
        for (int l = 0; l < gpn; l += every) {
            const std::string t = "g" + std::to_string(l);
            const float x       = p0.x + float(k) * strip + label + float(l) * cw;
            dl->AddText(ImVec2(x + (cw - ImGui::CalcTextSize(t.c_str()).x) / 2, p0.y), kTextDim, t.c_str());
            ++labels;
        }
    int cells = 0;
    for (int n = 0; n < nodes; ++n) {
        const float x = p0.x + float(n / rows) * strip, y = p0.y + header + float(n % rows) * (ch + 2);
        const std::string nl = "n" + std::to_string(n);
        dl->AddText(ImVec2(x, y + ch / 2 - ImGui::GetTextLineHeight() / 2), kTextDim, nl.c_str());
        for (int l = 0; l < gpn; ++l) {
            const int g = n * gpn + l;
            if (g >= int(values.size())) break;
            const ImVec2 a(x + label + l * cw, y), b(a.x + cw - 1, a.y + ch);
            const ImU32 c = s.colour(values[size_t(g)]);
            dl->AddRectFilled(a, b, c);
            ++cells;
            if (style.show_values && cw >= 44 && ch >= ImGui::GetTextLineHeight()) {
                const std::string v = format_value(values[size_t(g)], style.unit);
                const ImVec2 ts     = ImGui::CalcTextSize(v.c_str());
                if (ts.x < cw - 4)
                    dl->AddText(ImVec2(a.x + (cw - 1 - ts.x) / 2, a.y + (ch - ts.y) / 2), contrast_text(c), v.c_str());
            }
            if (g == style.highlight_gpu) dl->AddRect(a, b, IM_COL32(255, 60, 60, 255), 0, 0, 2.0f);
            if (hovered && mouse.x >= a.x && mouse.x < b.x + 1 && mouse.y >= a.y && mouse.y < b.y) {
                hovered_gpu = g;
                dl->AddRect(a, b, IM_COL32(255, 255, 255, 255), 0, 0, 1.5f);
            }
        }
    }
    view_probe().set(std::string(id) + ".cells", cells);
    view_probe().set(std::string(id) + ".gpu_labels", labels);
    return hovered_gpu;
}

void gpu_tooltip(const RunResult& r, int gpu, const char* value_name, const std::string& value) {
    if (gpu < 0 || gpu >= int(r.gpus.size())) return;
    const GpuCounters& c = r.gpus[size_t(gpu)];
    ImGui::BeginTooltip();
    ImGui::Text("GPU %d  (node n%d, g%d)", c.gpu, c.node, c.local_rank);
    ImGui::Separator();
    ImGui::Text("%s: %s", value_name, value.c_str());
    ImGui::Text("tokens received %s, sent %s, expert selections %s", format_count(double(c.tokens_received)).c_str(),
                format_count(double(c.tokens_sent)).c_str(), format_count(double(c.expert_selections)).c_str());
    if (r.summary.timing_simulated) {
        ImGui::Text("compute %s, dispatch %s, combine %s, idle %s", format_ns(c.busy_compute_ns).c_str(),
                    format_ns(c.dispatch_ns).c_str(), format_ns(c.combine_ns).c_str(), format_ns(c.idle_ns).c_str());
    }
    ImGui::Text("bytes sent %s, received %s, HBM used %s", format_bytes(double(c.bytes_sent)).c_str(),
                format_bytes(double(c.bytes_received)).c_str(), format_bytes(double(c.hbm_used_bytes)).c_str());
    ImGui::EndTooltip();
}

} // namespace moetwin::gui
