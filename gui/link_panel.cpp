// SPDX-License-Identifier: Apache-2.0
// LinkPanel.
#include "gui/link_panel.hpp"

#include "gui/colour_scale.hpp"
#include "gui/link_capacity.hpp"
#include "gui/link_groups.hpp"
#include "gui/view_probe.hpp"
#include "gui/widgets.hpp"

#include <imgui.h>
#include <imgui_stdlib.h>

#include <algorithm>
#include <tuple>

namespace moetwin::gui {
namespace {

bool less_by(const LinkStats& a, const LinkStats& b, int col) {
    switch (col) {
    case 0:
        return a.name < b.name;
    case 1:
        return a.kind < b.kind;
    case 2:
        return a.src < b.src;
    case 3:
        return a.dst < b.dst;
    case 4:
        return a.capacity_Bps < b.capacity_Bps;
    case 5:
        return a.bytes < b.bytes;
    case 6:
        return a.busy_ns < b.busy_ns;
    default:
        return a.utilisation < b.utilisation;
    }
}

void kind_histograms(const RunResult& r, const std::vector<LinkKindStats>& kinds) {
    const float w =
        (ImGui::GetContentRegionAvail().x - 10 * float(kinds.size())) / float(std::max<size_t>(kinds.size(), 1));
    for (size_t i = 0; i < kinds.size(); ++i) {
        if (i) ImGui::SameLine();
        ImGui::BeginGroup();
        const std::vector<float> h = utilisation_histogram(r, kinds[i].kind, 20);
        const double hi            = std::max(1.0, kinds[i].max_util);
        const std::string title    = std::string(link_kind_label(kinds[i].kind)) + ": links per utilisation bin (0 - " +
                                  format_percent(hi) + ")";
        ImGui::TextUnformatted(title.c_str());
        ImGui::PushID(int(i));
        ImGui::PlotHistogram("##h", h.data(), int(h.size()), 0, nullptr, 0.0f, FLT_MAX, ImVec2(w, 80));
        ImGui::PopID();
        ImGui::EndGroup();
    }
}

} // namespace

void LinkPanel::draw(const RunResult& r) {
    no_timing_banner(r, "link utilisation and busy time need simulated timing; bytes are shown.");
    if (r.links.empty()) {
        ImGui::TextUnformatted("This result has no links.");
        return;
    }
    const LinkCapacityBasis basis = link_capacity_basis(r);
    coloured_text(basis.calibrated ? kWarnColor : kTextDim, basis.describe());
    view_probe().set("links.calibrated", basis.calibrated ? 1 : 0);
    view_probe().set("links.count", double(r.links.size()));
    const std::vector<LinkKindStats> kinds = link_kind_stats(r);
    if (ImGui::BeginTable("kinds", 7,
                          ImGuiTableFlags_RowBg | ImGuiTableFlags_Borders | ImGuiTableFlags_SizingStretchProp)) {
        for (const char* h : {"kind", "links", "mean util.", "max util.", "busiest link", "bytes",
                              basis.calibrated ? "calibrated capacity (sum)" : "capacity (sum)"})
            ImGui::TableSetupColumn(h);
        ImGui::TableHeadersRow();
        for (const LinkKindStats& k : kinds) {
            ImGui::TableNextRow();
            ImGui::TableNextColumn(), ImGui::TextUnformatted(std::string(link_kind_label(k.kind)).c_str());
            ImGui::TableNextColumn(), ImGui::Text("%d", k.count);
            ImGui::TableNextColumn(), ImGui::TextUnformatted(format_percent(k.mean_util).c_str());
            ImGui::TableNextColumn(), ImGui::TextUnformatted(format_percent(k.max_util).c_str());
            ImGui::TableNextColumn(), ImGui::TextUnformatted(r.links[size_t(k.busiest)].name.c_str());
            ImGui::TableNextColumn(), ImGui::TextUnformatted(format_bytes(double(k.bytes)).c_str());
            ImGui::TableNextColumn(), ImGui::TextUnformatted(format_rate_Bps(k.capacity_Bps).c_str());
        }
        ImGui::EndTable();
    }
    kind_histograms(r, kinds);

    std::vector<std::string> kind_names = {"all kinds"};
    for (const LinkKindStats& k : kinds)
        kind_names.emplace_back(link_kind_label(k.kind));
    combo("kind", &kind_filter, kind_names, 140);
    ImGui::SameLine();
    ImGui::SetNextItemWidth(220);
    ImGui::InputTextWithHint("##filter", "filter by name / endpoint", &text_filter);
    double max_util = 1.0;
    for (const LinkStats& l : r.links)
        max_util = std::max(max_util, l.utilisation);
    const ColourScale scale{Palette::Viridis, 0.0, max_util, "utilisation"};
    ImGui::SameLine(0, 30);
    draw_legend(scale, Unit::Fraction, 200);

    const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_Borders | ImGuiTableFlags_ScrollY |
                                  ImGuiTableFlags_Sortable | ImGuiTableFlags_Resizable |
                                  ImGuiTableFlags_SizingStretchProp;
    if (!ImGui::BeginTable("links", 8, flags, ImGui::GetContentRegionAvail())) return;
    ImGui::TableSetupScrollFreeze(0, 1);
    const char* cols[] = {"name",  "kind", "src",        "dst", basis.calibrated ? "calibrated capacity" : "capacity",
                          "bytes", "busy", "utilisation"};
    for (int i = 0; i < 8; ++i)
        ImGui::TableSetupColumn(
            cols[i], i == 7 ? ImGuiTableColumnFlags_DefaultSort | ImGuiTableColumnFlags_PreferSortDescending : 0);
    ImGui::TableHeadersRow();
    if (ImGuiTableSortSpecs* specs = ImGui::TableGetSortSpecs(); specs && specs->SpecsDirty && specs->SpecsCount > 0) {
        sorted_col_       = specs->Specs[0].ColumnIndex;
        ascending_        = specs->Specs[0].SortDirection == ImGuiSortDirection_Ascending;
        specs->SpecsDirty = false;
        valid_            = false;
    }
    if (!valid_ || built_kind_ != kind_filter || built_text_ != text_filter) {
        const std::string kind =
            kind_filter > 0 && kind_filter <= int(kinds.size()) ? kinds[size_t(kind_filter - 1)].kind : "";
        rows_.clear();
        for (size_t i = 0; i < r.links.size(); ++i) {
            const LinkStats& l = r.links[i];
            if (!kind.empty() && l.kind != kind) continue;
            if (!text_filter.empty() && l.name.find(text_filter) == std::string::npos &&
                l.src.find(text_filter) == std::string::npos && l.dst.find(text_filter) == std::string::npos)
                continue;
            rows_.push_back(int(i));
        }
        std::stable_sort(rows_.begin(), rows_.end(), [&](int a, int b) {
            const LinkStats &la = r.links[size_t(a)], &lb = r.links[size_t(b)];
            return ascending_ ? less_by(la, lb, sorted_col_) : less_by(lb, la, sorted_col_);
        });
        valid_ = true, built_kind_ = kind_filter, built_text_ = text_filter;
    }
    ImGuiListClipper clipper;
    clipper.Begin(int(rows_.size()));
    while (clipper.Step()) {
        for (int i = clipper.DisplayStart; i < clipper.DisplayEnd; ++i) {
            const LinkStats& l = r.links[size_t(rows_[size_t(i)])];
            ImGui::TableNextRow();
            ImGui::TableNextColumn(), ImGui::TextUnformatted(l.name.c_str());
            ImGui::TableNextColumn(), ImGui::TextUnformatted(std::string(link_kind_label(l.kind)).c_str());
            ImGui::TableNextColumn(), ImGui::TextUnformatted(l.src.c_str());
            ImGui::TableNextColumn(), ImGui::TextUnformatted(l.dst.c_str());
            ImGui::TableNextColumn(), ImGui::TextUnformatted(format_rate_Bps(l.capacity_Bps).c_str());
            ImGui::TableNextColumn(), ImGui::TextUnformatted(format_bytes(double(l.bytes)).c_str());
            ImGui::TableNextColumn(), ImGui::TextUnformatted(format_ns(l.busy_ns).c_str());
            ImGui::TableNextColumn();
            const ImVec2 p = ImGui::GetCursorScreenPos();
            const float w = ImGui::GetContentRegionAvail().x, h = ImGui::GetTextLineHeight();
            ImGui::GetWindowDrawList()->AddRectFilled(
                p, ImVec2(p.x + w * float(std::min(l.utilisation / max_util, 1.0)), p.y + h),
                scale.colour(l.utilisation));
            ImGui::TextUnformatted(format_percent(l.utilisation).c_str());
        }
    }
    ImGui::EndTable();
}

} // namespace moetwin::gui
