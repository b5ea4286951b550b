// SPDX-License-Identifier: Apache-2.0
// SweepPanel.
#include "gui/sweep_panel.hpp"

#include "gui/plot_axes.hpp"
#include "gui/view_probe.hpp"
#include "gui/widgets.hpp"

#include <imgui.h>

#include <algorithm>
#include <map>
#include <set>

namespace moetwin::gui {
namespace {

// Verdicts of simulated points (scenarios/sweeps/README.md, "Points, verdicts, reasons"): met the constraints,
// or simulated and refused by one.
ImU32 verdict_colour(const std::string& verdict) {
    if (verdict == "ok") return IM_COL32(110, 200, 120, 255);
    if (verdict == "below_min_tokens_per_s_per_user") return IM_COL32(230, 160, 70, 255);
    if (verdict == "above_max_tpot_ms") return IM_COL32(220, 100, 180, 255);
    return IM_COL32(150, 150, 160, 255);
}
constexpr ImU32 kFrontColour = IM_COL32(255, 230, 90, 255);

void point_tooltip(const SweepPoint& p) {
    ImGui::BeginTooltip();
    ImGui::Text("point %lld: %s%s", static_cast<long long>(p.point), p.verdict.c_str(),
                p.pareto ? ", on the front" : "");
    ImGui::Separator();
    for (const auto& [path, value] : p.values)
        ImGui::Text("%s = %s", path.c_str(), value.c_str());
    ImGui::Separator();
    ImGui::Text("%.1f tokens/s per GPU, %.2f tokens/s per user", p.tokens_per_s_per_gpu, *p.tokens_per_s_per_user);
    ImGui::Text("step %.3f ms, %.0f tokens/s per node", p.step_time_ms, p.tokens_per_s_per_node);
    if (p.memory_per_gpu_GiB) ImGui::Text("memory %.1f GiB per GPU", *p.memory_per_gpu_GiB);
    if (p.cost_per_million_tokens_usd) ImGui::Text("$%.3f per million tokens", *p.cost_per_million_tokens_usd);
    ImGui::Text("bottleneck: %s", p.bottleneck.c_str());
    if (!p.reason.empty()) ImGui::TextWrapped("%s", p.reason.c_str());
    ImGui::TextColored(ImColor(kTextDim), "click: simulate %s and open its full result", p.scenario_file.c_str());
    ImGui::EndTooltip();
}

} // namespace

std::optional<std::size_t> SweepPanel::draw(const SweepData& d) {
    std::map<std::string, int> counts;
    for (const SweepPoint& p : d.points)
        ++counts[p.verdict];
    ImGui::Text("sweep %s: %zu points over %zu axes (%s)", d.name.c_str(), d.points.size(), d.axes.size(),
                d.path.string().c_str());
    std::string c;
    for (const auto& [v, n] : counts)
        c += (c.empty() ? "" : ", ") + std::to_string(n) + " " + v;
    ImGui::TextColored(ImColor(kTextDim), "%s", c.c_str());
    if (!status.empty()) coloured_text(kWarnColor, status);
    std::optional<std::size_t> clicked;
    const float table_h =
        ImGui::GetTextLineHeightWithSpacing() * float(std::min<std::size_t>(d.pareto_front.size(), 8) + 3);
    ImGui::BeginChild("plot", ImVec2(0, std::max(ImGui::GetContentRegionAvail().y - table_h, 120.0f)), true,
                      ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoScrollWithMouse);
    draw_plot(d, &clicked);
    ImGui::EndChild();
    draw_front_table(d);
    return clicked;
}

void SweepPanel::draw_plot(const SweepData& d, std::optional<std::size_t>* clicked) {
    std::set<std::string> drawn_verdicts;
    for (const SweepPoint& p : d.points)
        if (on_gpu_user_plot(p)) drawn_verdicts.insert(p.verdict);
    for (const std::string& v : drawn_verdicts) {
        swatch(verdict_colour(v), v);
        ImGui::SameLine(0, 14);
    }
    swatch(kFrontColour, "Pareto front (tokens/s per GPU against tokens/s per user)");
    std::vector<double> xs, ys;
    std::vector<std::size_t> idx;
    for (std::size_t i = 0; i < d.points.size(); ++i)
        if (on_gpu_user_plot(d.points[i]))
            idx.push_back(i), xs.push_back(*d.points[i].tokens_per_s_per_user),
                ys.push_back(d.points[i].tokens_per_s_per_gpu);
    const std::size_t not_drawn = d.points.size() - idx.size();
    if (not_drawn)
        ImGui::TextColored(ImColor(kTextDim),
                           "%zu points not drawn: not simulated (see their verdicts) or prefill "
                           "(no tokens/s per user)",
                           not_drawn);
    const AxisRange xr = axis_range(xs, 0.06, true), yr = axis_range(ys, 0.06, true);
    ImDrawList* dl        = ImGui::GetWindowDrawList();
    const ImVec2 p0       = ImGui::GetCursorScreenPos();
    const ImVec2 avail    = ImGui::GetContentRegionAvail();
    constexpr float kLeft = 70, kBottom = 36;
    const float w = std::max(avail.x - kLeft - 10, 20.0f), h = std::max(avail.y - kBottom, 20.0f);
    const ImVec2 o(p0.x + kLeft, p0.y);
    const auto px = [&](double x, double y) {
        return ImVec2(o.x + float(xr.to_unit(x)) * w, o.y + h - float(yr.to_unit(y)) * h);
    };
    dl->AddRect(o, ImVec2(o.x + w, o.y + h), IM_COL32(90, 90, 100, 255));
    for (const double t : nice_ticks(yr, 6)) {
        const float y = px(xr.lo, t).y;
        dl->AddLine(ImVec2(o.x, y), ImVec2(o.x + w, y), IM_COL32(55, 55, 62, 255));
        dl->AddText(ImVec2(p0.x + 4, y - 7), kTextDim, format_count(t).c_str());
    }
    for (const double t : nice_ticks(xr, 10)) {
        const float x = px(t, yr.lo).x;
        dl->AddLine(ImVec2(x, o.y), ImVec2(x, o.y + h), IM_COL32(55, 55, 62, 255));
        dl->AddText(ImVec2(x - 8, o.y + h + 3), kTextDim, format_count(t).c_str());
    }
    dl->AddText(ImVec2(o.x + w * 0.5f - 150, o.y + h + 18), kTextDim,
                "output tokens/s per user (1 / TPOT, MTP included)");
    // The front, joined in order of tokens/s per user.
    std::vector<std::pair<double, double>> front;
    for (const int64_t f : d.pareto_front)
        if (on_gpu_user_plot(d.points[std::size_t(f)]))
            front.emplace_back(*d.points[std::size_t(f)].tokens_per_s_per_user,
                               d.points[std::size_t(f)].tokens_per_s_per_gpu);
    std::sort(front.begin(), front.end());
    std::vector<ImVec2> line;
    for (const auto& [x, y] : front)
        line.push_back(px(x, y));
    if (line.size() >= 2) dl->AddPolyline(line.data(), int(line.size()), kFrontColour, 0, 2.0f);
    std::vector<std::pair<float, float>> screen;
    int front_drawn = 0;
    for (std::size_t k = 0; k < idx.size(); ++k) {
        const SweepPoint& p = d.points[idx[k]];
        const ImVec2 s      = px(xs[k], ys[k]);
        screen.emplace_back(s.x, s.y);
        dl->AddCircleFilled(s, 4.5f, verdict_colour(p.verdict));
        if (p.pareto) dl->AddCircle(s, 8.0f, kFrontColour, 0, 2.0f), ++front_drawn;
    }
    if (!idx.empty()) { // where the first plotted point is on screen: the hover test puts the pointer there
        view_probe().set("sweep.first_point", double(d.points[idx[0]].point));
        view_probe().set("sweep.first_x", screen[0].first);
        view_probe().set("sweep.first_y", screen[0].second);
    }
    ImGui::InvisibleButton("area", ImVec2(w + kLeft, h + kBottom));
    const ImVec2 m = ImGui::GetIO().MousePos;
    const int hit  = ImGui::IsItemHovered() ? nearest_point(screen, m.x, m.y, 10.0f) : -1;
    if (hit >= 0) {
        const SweepPoint& p = d.points[idx[std::size_t(hit)]];
        dl->AddCircle(ImVec2(screen[std::size_t(hit)].first, screen[std::size_t(hit)].second), 11.0f,
                      IM_COL32(255, 255, 255, 255), 0, 1.5f);
        point_tooltip(p);
        view_probe().set("sweep.hover_point", double(p.point));
        if (ImGui::IsItemClicked()) *clicked = idx[std::size_t(hit)];
    }
    view_probe().set("sweep.points_drawn", double(idx.size()));
    view_probe().set("sweep.not_drawn", double(not_drawn));
    view_probe().set("sweep.front_points", double(front_drawn));
    view_probe().set("sweep.front_segments", double(line.size() >= 2 ? line.size() - 1 : 0));
    view_probe().set("sweep.verdict_colours", double(drawn_verdicts.size()));
}

void SweepPanel::draw_front_table(const SweepData& d) {
    ImGui::TextUnformatted("Pareto front");
    if (!ImGui::BeginTable("front", int(d.axes.size()) + 4,
                           ImGuiTableFlags_Borders | ImGuiTableFlags_RowBg | ImGuiTableFlags_ScrollY))
        return;
    ImGui::TableSetupScrollFreeze(0, 1);
    ImGui::TableSetupColumn("point");
    for (const std::string& a : d.axes)
        ImGui::TableSetupColumn(a.c_str());
    ImGui::TableSetupColumn("tokens/s per GPU");
    ImGui::TableSetupColumn("tokens/s per user");
    ImGui::TableSetupColumn("bottleneck");
    ImGui::TableHeadersRow();
    int rows = 0;
    for (const int64_t f : d.pareto_front) {
        const SweepPoint& p = d.points[std::size_t(f)];
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        ImGui::Text("%lld", static_cast<long long>(p.point));
        for (const auto& [path, value] : p.values) {
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(value.c_str());
        }
        ImGui::TableNextColumn();
        ImGui::Text("%.1f", p.tokens_per_s_per_gpu);
        ImGui::TableNextColumn();
        if (p.tokens_per_s_per_user) ImGui::Text("%.2f", *p.tokens_per_s_per_user);
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(p.bottleneck.c_str());
        ++rows;
    }
    ImGui::EndTable();
    view_probe().set("sweep.front_rows", rows);
}

} // namespace moetwin::gui
