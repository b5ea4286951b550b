// SPDX-License-Identifier: Apache-2.0
// TrainingPanel.
#include "gui/training_panel.hpp"

#include "gui/plot_axes.hpp"
#include "gui/training_spans.hpp"
#include "gui/view_probe.hpp"
#include "gui/widgets.hpp"

#include <imgui.h>

#include <algorithm>
#include <set>

namespace moetwin::gui {
namespace {

constexpr float kLabelW = 70.0f;
constexpr float kLaneH  = 22.0f;
constexpr ImU32 kBubble = IM_COL32(45, 30, 30, 255); // a lane's background: time with no span (bubble)
constexpr ImU32 kAfter  = IM_COL32(30, 30, 34, 255); // after the step's end

ImU32 kind_colour(TrainingSpanKind k) {
    return op_colour(int(k));
}

} // namespace

void TrainingPanel::draw(const TrainingResult& r) {
    ImGui::Text("training step of %s: %s, PP%d, %d micro-batches, %d GPUs", r.scenario_name.c_str(), r.schedule.c_str(),
                r.pp_size, r.micro_batches, r.num_gpus);
    ImGui::Text("step %.3f s (pipeline %.3f s), MFU %.1f %%, %.0f tokens/s, %.0f GPU-hours per trillion tokens",
                r.step_s, r.pipeline_s, 100 * r.mfu, r.tokens_per_s, r.gpu_hours_per_trillion_tokens);
    std::set<TrainingSpanKind> kinds;
    for (const TrainingSpan& s : r.spans)
        kinds.insert(training_span_kind(s.op));
    bool first = true;
    for (const TrainingSpanKind k : kinds) {
        if (!first) ImGui::SameLine(0, 14);
        first = false;
        swatch(kind_colour(k), std::string(to_string(k)));
    }
    ImGui::SameLine(0, 14);
    swatch(kBubble, "bubble (no work)");
    ImGui::Checkbox("pipeline only (hide the DP sync and optimizer at the end)", &pipeline_only);
    view_probe().set("training.kinds", double(kinds.size()));
    const float lanes_h = float(r.pp_size) * (kLaneH + 3) + 30;
    ImGui::BeginChild("lanes", ImVec2(0, std::min(lanes_h, ImGui::GetContentRegionAvail().y * 0.6f)), true);
    draw_lanes(r);
    ImGui::EndChild();
    draw_shares(r);
}

void TrainingPanel::draw_lanes(const TrainingResult& r) {
    ImDrawList* dl              = ImGui::GetWindowDrawList();
    const ImVec2 p0             = ImGui::GetCursorScreenPos();
    const float track_x         = p0.x + kLabelW;
    const float track_w         = std::max(ImGui::GetContentRegionAvail().x - kLabelW - 4, 10.0f);
    const double step           = std::max(r.step_s, 1e-12);
    const auto x_of             = [&](double t) { return track_x + float(std::clamp(t / step, 0.0, 1.0)) * track_w; };
    const ImVec2 mouse          = ImGui::GetIO().MousePos;
    const TrainingSpan* hovered = nullptr;
    int drawn                   = 0;
    std::vector<int> lanes_with(std::size_t(std::max(r.pp_size, 0)), 0);
    for (int rank = 0; rank < r.pp_size; ++rank) {
        const float y = p0.y + float(rank) * (kLaneH + 3);
        dl->AddText(ImVec2(p0.x, y + 4), kTextDim, ("stage " + std::to_string(rank)).c_str());
        const double end = rank < int(r.ranks.size()) ? r.ranks[std::size_t(rank)].end_s : step;
        dl->AddRectFilled(ImVec2(track_x, y), ImVec2(x_of(end), y + kLaneH), kBubble);
        dl->AddRectFilled(ImVec2(x_of(end), y), ImVec2(track_x + track_w, y + kLaneH), kAfter);
    }
    for (const TrainingSpan& s : r.spans) {
        if (s.rank < 0 || s.rank >= r.pp_size) continue;
        const float y = p0.y + float(s.rank) * (kLaneH + 3);
        if (s.begin_s >= step) continue; // after the window (pipeline only)
        const float x0 = x_of(s.begin_s), x1 = std::max(x_of(s.end_s), x0 + 1.0f);
        dl->AddRectFilled(ImVec2(x0, y), ImVec2(x1, y + kLaneH), kind_colour(training_span_kind(s.op)));
        if (x1 - x0 > 3) dl->AddRect(ImVec2(x0, y), ImVec2(x1, y + kLaneH), IM_COL32(0, 0, 0, 90));
        if (x1 - x0 > 30) {
            dl->PushClipRect(ImVec2(x0, y), ImVec2(x1, y + kLaneH), true);
            dl->AddText(ImVec2(x0 + 2, y + 4), IM_COL32(20, 20, 20, 255), s.op.c_str());
            dl->PopClipRect();
        }
        if (mouse.x >= x0 && mouse.x < x1 && mouse.y >= y && mouse.y < y + kLaneH) hovered = &s;
        ++drawn;
        ++lanes_with[std::size_t(s.rank)];
    }
    const float ruler_y = p0.y + float(r.pp_size) * (kLaneH + 3);
    for (const double t : nice_ticks(AxisRange{0, step}, 10)) {
        dl->AddLine(ImVec2(x_of(t), ruler_y), ImVec2(x_of(t), ruler_y + 4), kTextDim);
        dl->AddText(ImVec2(x_of(t) + 2, ruler_y + 2), kTextDim, (format_fixed(t, t < 1 ? 3 : 2) + " s").c_str());
    }
    ImGui::Dummy(ImVec2(kLabelW + track_w, float(r.pp_size) * (kLaneH + 3) + 20));
    if (hovered && ImGui::IsWindowHovered()) {
        ImGui::BeginTooltip();
        ImGui::Text("%s: %s", hovered->op.c_str(), std::string(to_string(training_span_kind(hovered->op))).c_str());
        ImGui::Text("stage %d, %.4f s .. %.4f s (%.3f ms)", hovered->rank, hovered->begin_s, hovered->end_s,
                    1e3 * (hovered->end_s - hovered->begin_s));
        ImGui::EndTooltip();
    }
    view_probe().set("training.spans_drawn", drawn);
    view_probe().set("training.lanes",
                     double(std::count_if(lanes_with.begin(), lanes_with.end(), [](int n) { return n > 0; })));
}

void TrainingPanel::draw_shares(const TrainingResult& r) {
    const std::vector<double> gaps = uncovered_pipeline_s(r);
    if (!ImGui::BeginTable("shares", 10, ImGuiTableFlags_Borders | ImGuiTableFlags_RowBg | ImGuiTableFlags_ScrollY))
        return;
    ImGui::TableSetupScrollFreeze(0, 1);
    for (const char* h : {"stage", "layers (MoE)", "compute", "exposed comm", "bubble", "DP sync", "optimizer",
                          "idle after", "bubble as drawn", "peak live chunks"})
        ImGui::TableSetupColumn(h);
    ImGui::TableHeadersRow();
    int rows = 0;
    for (const TrainingRank& k : r.ranks) {
        const StageShares s = stage_shares(k, r.step_s);
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        ImGui::Text("%d", k.rank);
        ImGui::TableNextColumn();
        ImGui::Text("%d (%d)", k.layers, k.moe_layers);
        for (const double v : {s.compute, s.exposed_comm, s.bubble, s.dp_sync, s.optimizer, s.idle_after}) {
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(format_percent(v).c_str());
        }
        ImGui::TableNextColumn();
        if (std::size_t(k.rank) < gaps.size()) ImGui::Text("%.3f s", gaps[std::size_t(k.rank)]);
        ImGui::TableNextColumn();
        ImGui::Text("%d", k.peak_live_chunks);
        ++rows;
    }
    ImGui::EndTable();
    view_probe().set("training.share_rows", rows);
}

} // namespace moetwin::gui
