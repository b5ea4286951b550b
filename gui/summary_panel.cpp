// SPDX-License-Identifier: Apache-2.0
// SummaryPanel.
#include "gui/summary_panel.hpp"

#include "gui/gpu_metrics.hpp"
#include "gui/link_groups.hpp"
#include "gui/result_diff.hpp"
#include "gui/view_probe.hpp"
#include "gui/widgets.hpp"

#include <imgui.h>

#include <algorithm>
#include <array>
#include <numeric>

namespace moetwin::gui {
namespace {

void row(const char* name, const std::string& value, const char* help = nullptr) {
    ImGui::TableNextRow();
    ImGui::TableSetColumnIndex(0);
    view_probe().add("overview.summary_rows", 1);
    ImGui::TextUnformatted(name);
    if (help) help_marker(help);
    ImGui::TableSetColumnIndex(1);
    ImGui::TextUnformatted(value.c_str());
}

// Mean share of the step per activity over GPUs, as one stacked bar.
void time_breakdown(const RunResult& r) {
    const std::array<double, 4> parts = mean_activity_ns(r); // per GPU
    const double total                = std::accumulate(parts.begin(), parts.end(), 0.0);
    static const char* names[]        = {"compute", "dispatch", "combine", "idle"};
    static const ImU32 colours[]      = {IM_COL32(86, 156, 214, 255), IM_COL32(220, 160, 90, 255),
                                         IM_COL32(78, 201, 176, 255), IM_COL32(90, 90, 96, 255)};
    ImGui::TextUnformatted("Mean GPU time per step (lanes overlap, so shares can exceed 100 % together)");
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const ImVec2 p = ImGui::GetCursorScreenPos();
    const float w = std::max(ImGui::GetContentRegionAvail().x - 10, 50.0f), h = 18;
    float x = p.x;
    for (int i = 0; i < 4 && total > 0; ++i) {
        const float pw = float(parts[i] / total) * w;
        dl->AddRectFilled(ImVec2(x, p.y), ImVec2(x + pw, p.y + h), colours[i]);
        x += pw;
    }
    ImGui::Dummy(ImVec2(w, h));
    const double step = double(r.summary.step_time_ns);
    for (int i = 0; i < 4; ++i) {
        if (i) ImGui::SameLine();
        swatch(colours[i], std::string(names[i]) + " " + format_value(parts[size_t(i)], Unit::Ns) + " (" +
                               format_percent(step > 0 ? parts[size_t(i)] / step : 0) + ")");
    }
}

} // namespace

void SummaryPanel::draw(const RunResult& r) {
    const RunMeta& m = r.meta;
    ImGui::Text("%s", m.scenario.c_str());
    ImGui::TextColored(ImColor(kTextDim), "%s %s, %d nodes x %d GPUs = %d GPUs, %d layers, %d micro-batches",
                       m.model.c_str(), m.phase.c_str(), m.num_nodes, m.gpus_per_node, m.num_gpus, m.num_layers,
                       m.num_micro_batches);
    ImGui::TextColored(ImColor(kTextDim), "compute: %s, network: %s, seed %llu, moetwin %s", m.compute_source.c_str(),
                       m.network_model.c_str(), static_cast<unsigned long long>(m.seed), m.moetwin_version.c_str());
    ImGui::Spacing();
    const bool timed     = !no_timing_banner(r, "no step time, tokens/s, busy times or link utilisation. Loads and "
                                                    "placement are shown as the result holds them.");
    const Summary& s     = r.summary;
    const std::string na = "not simulated";
    if (ImGui::BeginTable("headline", 2, ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV)) {
        ImGui::TableSetupColumn("metric", ImGuiTableColumnFlags_WidthFixed, 230);
        ImGui::TableSetupColumn("value");
        row("step time", timed ? format_ns(s.step_time_ns) : na);
        row("tokens per step", format_count(double(s.tokens_per_step)));
        row("tokens/s per GPU", timed ? format_count(s.tokens_per_s_per_gpu) : na);
        row("tokens/s per node", timed ? format_count(s.tokens_per_s_per_node) : na);
        if (timed && s.slowest_gpu >= 0) {
            const GpuCounters& c = r.gpus[size_t(s.slowest_gpu)];
            row("slowest GPU",
                "GPU " + std::to_string(s.slowest_gpu) + " (node " + std::to_string(c.node) + "): busy " +
                    format_ns(s.slowest_gpu_busy_ns) + " = " +
                    format_percent(double(s.slowest_gpu_busy_ns) / double(std::max<int64_t>(s.step_time_ns, 1))),
                "The GPU with the least idle time: it sets the step time.");
        } else {
            row("slowest GPU", na);
        }
        if (timed && !s.busiest_link.empty())
            row("busiest link", s.busiest_link + ": " + format_percent(s.max_link_utilisation));
        else
            row("busiest link", r.links.empty() ? "no links in this result" : na);
        row("GPU token imbalance", format_fixed(imbalance(gpu_values(r, GpuMetric::TokensReceived)), 3) + " (max/mean)",
            "Tokens received by the busiest GPU over the mean: 1.0 is perfect balance.");
        row("expert hot-spot factor", format_fixed(expert_hotspot_factor(r), 3) + " (max/mean)",
            "Mean over MoE layers of the hottest logical expert's tokens over the mean expert: the skew the "
            "placement (redundant experts) has to absorb.");
        ImGui::EndTable();
    }
    if (timed) {
        ImGui::Spacing();
        time_breakdown(r);
    }

    ImGui::Spacing();
    // Compute time, not busy %: every GPU is busy ~100 % of a step (it waits inside the all-to-alls).
    ImGui::TextUnformatted(timed ? "Busiest GPUs (compute time)" : "Most loaded GPUs (tokens received)");
    std::vector<double> v = gpu_values(r, timed ? GpuMetric::ComputeTime : GpuMetric::TokensReceived);
    std::vector<int> idx(v.size());
    std::iota(idx.begin(), idx.end(), 0);
    std::stable_sort(idx.begin(), idx.end(), [&](int a, int b) { return v[size_t(a)] > v[size_t(b)]; });
    if (ImGui::BeginTable("top_gpus", 5, ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingStretchProp)) {
        for (const char* h : {"GPU", "node", timed ? "compute" : "tokens", "tokens received", "idle"})
            ImGui::TableSetupColumn(h);
        ImGui::TableHeadersRow();
        for (int i = 0; i < std::min<int>(top_n, int(idx.size())); ++i) {
            const GpuCounters& c = r.gpus[size_t(idx[size_t(i)])];
            ImGui::TableNextRow();
            ImGui::TableNextColumn(), ImGui::Text("%d", c.gpu);
            ImGui::TableNextColumn(), ImGui::Text("%d", c.node);
            ImGui::TableNextColumn(),
                ImGui::TextUnformatted(format_value(v[size_t(c.gpu)], timed ? Unit::Ns : Unit::Count).c_str());
            ImGui::TableNextColumn(), ImGui::TextUnformatted(format_count(double(c.tokens_received)).c_str());
            ImGui::TableNextColumn(), ImGui::TextUnformatted(timed ? format_ns(c.idle_ns).c_str() : "-");
        }
        ImGui::EndTable();
    }
    if (!r.links.empty() && ImGui::BeginTable("kinds", 4, ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingStretchProp)) {
        for (const char* h : {"links", "count", "mean utilisation", "max utilisation"})
            ImGui::TableSetupColumn(h);
        ImGui::TableHeadersRow();
        for (const LinkKindStats& k : link_kind_stats(r)) {
            ImGui::TableNextRow();
            ImGui::TableNextColumn(), ImGui::TextUnformatted(std::string(link_kind_label(k.kind)).c_str());
            ImGui::TableNextColumn(), ImGui::Text("%d", k.count);
            ImGui::TableNextColumn(), ImGui::TextUnformatted(timed ? format_percent(k.mean_util).c_str() : "-");
            ImGui::TableNextColumn(), ImGui::TextUnformatted(timed ? format_percent(k.max_util).c_str() : "-");
        }
        ImGui::EndTable();
    }
    if (!r.meta.notes.empty() && timed) {
        ImGui::Spacing();
        ImGui::TextUnformatted("Notes");
        for (const std::string& n : r.meta.notes) {
            ImGui::Bullet();
            ImGui::TextWrapped("%s", n.c_str());
        }
    }
}

} // namespace moetwin::gui
