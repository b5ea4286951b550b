// SPDX-License-Identifier: Apache-2.0
// TimelinePanel: toolbar, ruler, lanes. All ns <-> px maths comes from timeline_math.
#include "gui/timeline_panel.hpp"

#include "gui/colour_scale.hpp"
#include "gui/view_probe.hpp"
#include "gui/widgets.hpp"

#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <string>

namespace moetwin::gui {
namespace {

constexpr float kLabelW = 118.0f;
constexpr float kRulerH = 22.0f;
constexpr float kGpuGap = 3.0f;

ImU32 darker(ImU32 c, float f) {
    const auto ch = [&](int shift) { return ImU32(float((c >> shift) & 0xff) * f) << shift; };
    return ch(0) | ch(8) | ch(16) | (c & 0xff000000u);
}

void span_tooltip(const RunResult& r, const LaneIndex& lane, const DrawItem& it) {
    ImGui::BeginTooltip();
    const Span& s = lane.spans[it.first];
    if (it.count == 1) {
        const std::string op = s.op < r.op_names.size() ? r.op_names[s.op] : "?";
        ImGui::Text("%s", op.c_str());
        ImGui::Separator();
        ImGui::Text("GPU %d, %s lane", s.gpu, std::string(to_string(s.lane)).c_str());
        if (s.layer >= 0)
            ImGui::Text("layer %d, micro-batch %d", int(s.layer), int(s.micro_batch));
        else
            ImGui::TextUnformatted("outside the layers");
        ImGui::Text("begin %s, end %s", format_ns(s.begin_ns).c_str(), format_ns(s.end_ns).c_str());
        ImGui::Text("duration %s", format_ns(s.duration_ns()).c_str());
    } else {
        const Span& e = lane.spans[it.first + it.count - 1];
        int64_t busy = 0, end = 0;
        for (uint32_t i = it.first; i < it.first + it.count; ++i) {
            busy += lane.spans[i].duration_ns();
            end = std::max(end, lane.spans[i].end_ns);
        }
        ImGui::Text("%u spans folded (each narrower than 3 px at this zoom)", it.count);
        ImGui::Separator();
        ImGui::Text("GPU %d, %s lane", s.gpu, std::string(to_string(s.lane)).c_str());
        ImGui::Text("from %s to %s", format_ns(s.begin_ns).c_str(), format_ns(end).c_str());
        ImGui::Text("layers %d .. %d, sum of durations %s", int(s.layer), int(e.layer), format_ns(busy).c_str());
        ImGui::TextColored(ImColor(kTextDim), "zoom in (mouse wheel) to see them one by one");
    }
    ImGui::EndTooltip();
}

} // namespace

void TimelinePanel::rebuild(const RunResult& r) {
    lanes_.clear();
    lanes_.reserve(size_t(r.meta.num_gpus) * kNumLanes);
    for (int g = 0; g < r.meta.num_gpus; ++g)
        for (int l = 0; l < kNumLanes; ++l)
            lanes_.push_back(build_lane_index(lane_spans(r, g, Lane(l))));
    view_  = make_context(0, std::max<int64_t>(r.summary.step_time_ns, 1), 0, 1);
    valid_ = true;
}

void TimelinePanel::draw_toolbar(const RunResult& r, const TimeBounds& bounds) {
    for (int l = 0; l < kNumLanes; ++l) {
        if (l) ImGui::SameLine();
        ImGui::Checkbox(std::string(to_string(Lane(l))).c_str(), &show_lane[l]);
    }
    ImGui::SameLine(0, 20);
    int cb = int(colour_by);
    combo("colour by", &cb, {"op", "micro-batch", "layer"}, 120);
    colour_by = ColourBy(cb);
    ImGui::SameLine();
    if (ImGui::Button("fit step")) view_ = make_context(bounds.begin_ns, bounds.end_ns, view_.wpos, view_.w);
    ImGui::SameLine(0, 20);
    ImGui::TextColored(ImColor(kTextDim), "showing %s .. %s of %s   wheel: zoom, drag: pan, double-click: fit",
                       format_ns(view_.v_start_ns).c_str(), format_ns(view_.v_end_ns).c_str(),
                       format_ns(bounds.end_ns).c_str());
    // Legend: every colour on the timeline is explained.
    if (colour_by == ColourBy::Op) {
        for (size_t i = 0; i < r.op_names.size(); ++i) {
            if (i) ImGui::SameLine(0, 14);
            swatch(op_colour(int(i)), r.op_names[i]);
        }
    } else if (colour_by == ColourBy::MicroBatch) {
        for (int mb = -1; mb < r.meta.num_micro_batches; ++mb) {
            if (mb > -1) ImGui::SameLine(0, 14);
            swatch(op_colour(mb + 1), mb < 0 ? "outside micro-batches" : "micro-batch " + std::to_string(mb));
        }
    } else {
        gui::draw_legend(ColourScale{Palette::Viridis, 0, double(std::max(r.meta.num_layers - 1, 1)), "layer"},
                         Unit::Count, 240);
    }
    swatch(darker(IM_COL32(150, 150, 160, 255), 0.55f),
           "folded block: several spans narrower than 3 px (hover for "
           "their count, zoom in to see them)",
           IM_COL32(150, 150, 160, 255));
}

void TimelinePanel::draw_tracks(const RunResult& r, const TimeBounds& bounds) {
    int lanes_on = 0;
    for (const bool b : show_lane)
        lanes_on += b;
    const float gpu_h = float(std::max(lanes_on, 1)) * lane_h + kGpuGap;
    ImGui::BeginChild("tracks", ImGui::GetContentRegionAvail(), true, ImGuiWindowFlags_NoScrollWithMouse);
    ImDrawList* dl      = ImGui::GetWindowDrawList();
    const ImVec2 win    = ImGui::GetWindowPos();
    const float track_x = ImGui::GetCursorScreenPos().x + kLabelW;
    const float track_w = std::max(ImGui::GetContentRegionAvail().x - kLabelW, 10.0f);
    const float view_h  = ImGui::GetWindowHeight();
    view_               = clamp_to(make_context(view_.v_start_ns, view_.v_end_ns, track_x, track_w), bounds);

    if (focus_gpu_ >= 0) {
        ImGui::SetScrollY(std::max(0.0f, float(focus_gpu_) * gpu_h - view_h / 3));
        focus_gpu_ = -1;
    }
    const float scroll_y = ImGui::GetScrollY();
    const float top      = ImGui::GetCursorScreenPos().y; // content origin (already scrolled)
    ImGui::Dummy(ImVec2(track_w + kLabelW, kRulerH + float(r.meta.num_gpus) * gpu_h));

    // Input: wheel zooms around the cursor, drag pans in time and scrolls GPUs, double-click fits.
    const ImGuiIO& io  = ImGui::GetIO();
    const bool hovered = ImGui::IsWindowHovered();
    if (hovered && io.MouseWheel != 0 && io.MousePos.x >= track_x)
        view_ = zoom_at(view_, io.MousePos.x, std::pow(0.8, double(io.MouseWheel)), bounds);
    if (hovered && ImGui::IsMouseDragging(ImGuiMouseButton_Left, 2.0f)) {
        view_ = pan_px(view_, io.MouseDelta.x, bounds);
        ImGui::SetScrollY(std::max(0.0f, scroll_y - io.MouseDelta.y));
    }
    if (hovered && ImGui::IsMouseDoubleClicked(ImGuiMouseButton_Left))
        view_ = make_context(bounds.begin_ns, bounds.end_ns, track_x, track_w);

    view_probe().set("timeline.tracks", 0);
    view_probe().set("timeline.blocks", 0);
    const float rows_top = top + kRulerH;
    const auto [g0, g1]  = visible_rows(std::max(0.0f, scroll_y - kRulerH), view_h + gpu_h, gpu_h, r.meta.num_gpus);
    const ImVec2 mouse   = io.MousePos;
    dl->PushClipRect(ImVec2(win.x, win.y + kRulerH), ImVec2(win.x + ImGui::GetWindowWidth(), win.y + view_h), true);
    for (int g = g0; g < g1; ++g) {
        float y = rows_top + float(g) * gpu_h;
        const std::string label =
            "GPU " + std::to_string(g) + " n" + std::to_string(g / std::max(r.meta.gpus_per_node, 1));
        dl->AddText(ImVec2(win.x + 4, y), ImGui::GetColorU32(ImGuiCol_Text), label.c_str());
        dl->AddLine(ImVec2(win.x, y - 1.5f), ImVec2(track_x + track_w, y - 1.5f), IM_COL32(60, 60, 66, 255));
        for (int l = 0; l < kNumLanes; ++l) {
            if (!show_lane[l]) continue;
            if (lanes_on > 1) dl->AddText(ImVec2(track_x - 28, y), kTextDim, l == 0 ? "cmp" : l == 1 ? "dsp" : "cmb");
            const LaneIndex& lane = lanes_[size_t(g) * kNumLanes + size_t(l)];
            merge_narrow_spans(lane, view_, min_px, items_);
            view_probe().add("timeline.tracks", items_.empty() ? 0 : 1); // lanes with something drawn
            view_probe().add("timeline.blocks", double(items_.size()));
            for (const DrawItem& it : items_) {
                const Span& s = lane.spans[it.first];
                ImU32 c       = colour_by == ColourBy::Op ? op_colour(s.op)
                                : colour_by == ColourBy::MicroBatch
                                    ? op_colour(s.micro_batch + 1)
                                    : palette_colour(Palette::Viridis, double(s.layer) / std::max(r.meta.num_layers - 1, 1));
                const ImVec2 a(it.x0, y + 1), b(it.x1, y + lane_h - 1);
                if (it.folded) {
                    dl->AddRectFilled(a, b, darker(c, 0.55f));
                    dl->AddRect(a, b, darker(c, 1.0f));
                } else {
                    dl->AddRectFilled(a, b, c);
                    if (it.x1 - it.x0 > 40 && s.op < r.op_names.size()) {
                        const ImVec4 clip(a.x, a.y, b.x - 1, b.y);
                        dl->AddText(nullptr, 0.0f, ImVec2(std::max(a.x, track_x) + 2, a.y - 1),
                                    IM_COL32(10, 10, 10, 255), r.op_names[s.op].c_str(), nullptr, 0.0f, &clip);
                    }
                }
                if (hovered && mouse.y >= a.y && mouse.y < b.y && mouse.x >= it.x0 &&
                    mouse.x < std::max(it.x1, it.x0 + 2)) {
                    dl->AddRect(a, b, IM_COL32(255, 255, 255, 255));
                    span_tooltip(r, lane, it);
                }
            }
            y += lane_h;
        }
    }
    dl->PopClipRect();

    // Ruler, pinned to the top of the child window.
    const float ry = win.y;
    dl->AddRectFilled(ImVec2(win.x, ry), ImVec2(win.x + ImGui::GetWindowWidth(), ry + kRulerH),
                      IM_COL32(30, 30, 34, 255));
    const std::vector<int64_t> ticks = ruler_ticks(view_, 90);
    view_probe().set("timeline.ruler_ticks", double(ticks.size()));
    for (const int64_t t : ticks) {
        const float x = ns_to_px(view_, t);
        if (x < track_x) continue;
        dl->AddLine(ImVec2(x, ry + kRulerH - 6), ImVec2(x, ry + kRulerH), kTextDim);
        dl->AddText(ImVec2(x + 2, ry + 2), kTextDim, format_ns(t).c_str());
    }
    if (hovered && mouse.x >= track_x) {
        dl->AddLine(ImVec2(mouse.x, ry), ImVec2(mouse.x, win.y + view_h), IM_COL32(255, 255, 255, 60));
        const std::string t = format_ns(px_to_ns(view_, mouse.x));
        dl->AddRectFilled(ImVec2(mouse.x + 2, ry + 2),
                          ImVec2(mouse.x + 6 + ImGui::CalcTextSize(t.c_str()).x, ry + kRulerH - 2),
                          IM_COL32(60, 60, 70, 255));
        dl->AddText(ImVec2(mouse.x + 4, ry + 3), IM_COL32(255, 255, 255, 255), t.c_str());
    }
    ImGui::EndChild();
}

void TimelinePanel::draw(const RunResult& r) {
    if (no_timing_banner(r, "there are no spans to draw. Re-run with the step simulator to get a timeline.")) return;
    if (!valid_) rebuild(r);
    const TimeBounds bounds{0, std::max<int64_t>(r.summary.step_time_ns, 1), 100};
    if (pending_end_ns_ > pending_begin_ns_) {
        view_             = clamp_to(make_context(pending_begin_ns_, pending_end_ns_, view_.wpos, view_.w), bounds);
        pending_begin_ns_ = pending_end_ns_ = -1;
    }
    draw_toolbar(r, bounds);
    draw_tracks(r, bounds);
}

} // namespace moetwin::gui
