// SPDX-License-Identifier: Apache-2.0
// Shared ImGui helpers.
#include "gui/widgets.hpp"

namespace moetwin::gui {

void draw_legend(const ColourScale& s, Unit unit, float width) {
    ImDrawList* dl  = ImGui::GetWindowDrawList();
    const ImVec2 p  = ImGui::GetCursorScreenPos();
    const float h   = 12.0f;
    const int steps = 64;
    for (int i = 0; i < steps; ++i) {
        const float x0 = p.x + width * float(i) / steps, x1 = p.x + width * float(i + 1) / steps;
        dl->AddRectFilled(ImVec2(x0, p.y), ImVec2(x1 + 0.5f, p.y + h), palette_colour(s.palette, (i + 0.5) / steps));
    }
    dl->AddRect(p, ImVec2(p.x + width, p.y + h), IM_COL32(120, 120, 130, 255));
    ImGui::Dummy(ImVec2(width, h));
    if (ImGui::IsItemHovered()) {
        const double t = (ImGui::GetIO().MousePos.x - p.x) / width;
        ImGui::SetTooltip("%s: %s", s.label.c_str(), format_value(s.lo + t * (s.hi - s.lo), unit).c_str());
    }
    const LegendLabels labels = legend_labels(s.lo, s.hi, unit); // distinct figures however narrow the range
    const std::string &lo = labels.lo, &mid = labels.mid, &hi = labels.hi;
    const float y = ImGui::GetCursorScreenPos().y;
    dl->AddText(ImVec2(p.x, y), kTextDim, lo.c_str());
    dl->AddText(ImVec2(p.x + width / 2 - ImGui::CalcTextSize(mid.c_str()).x / 2, y), kTextDim, mid.c_str());
    dl->AddText(ImVec2(p.x + width - ImGui::CalcTextSize(hi.c_str()).x, y), kTextDim, hi.c_str());
    dl->AddText(ImVec2(p.x + width + 10, p.y - 1), ImGui::GetColorU32(ImGuiCol_Text), s.label.c_str());
    ImGui::Dummy(ImVec2(width, ImGui::GetTextLineHeight()));
}

bool no_timing_banner(const RunResult& r, const char* what_is_missing) {
    if (r.summary.timing_simulated) return false;
    ImGui::PushStyleColor(ImGuiCol_Text, kWarnColor);
    ImGui::TextWrapped("No timing in this result (summary.timing_simulated is false): %s", what_is_missing);
    ImGui::PopStyleColor();
    for (const std::string& n : r.meta.notes) {
        ImGui::Bullet();
        ImGui::TextWrapped("%s", n.c_str());
    }
    return true;
}

void help_marker(const char* text) {
    ImGui::SameLine();
    ImGui::TextDisabled("(?)");
    if (ImGui::IsItemHovered()) {
        ImGui::BeginTooltip();
        ImGui::PushTextWrapPos(ImGui::GetFontSize() * 35.0f);
        ImGui::TextUnformatted(text);
        ImGui::PopTextWrapPos();
        ImGui::EndTooltip();
    }
}

bool combo(const char* label, int* current, const std::vector<std::string>& items, float width) {
    ImGui::SetNextItemWidth(width);
    bool changed = false;
    if (ImGui::BeginCombo(label,
                          *current >= 0 && *current < int(items.size()) ? items[size_t(*current)].c_str() : "")) {
        for (int i = 0; i < int(items.size()); ++i) {
            if (ImGui::Selectable(items[size_t(i)].c_str(), i == *current)) {
                changed  = i != *current;
                *current = i;
            }
        }
        ImGui::EndCombo();
    }
    return changed;
}

void coloured_text(ImU32 colour, const std::string& text) {
    ImGui::PushStyleColor(ImGuiCol_Text, colour);
    ImGui::TextUnformatted(text.c_str());
    ImGui::PopStyleColor();
}

void swatch(ImU32 fill, const std::string& text, ImU32 outline) {
    const ImVec2 p = ImGui::GetCursorScreenPos();
    const float h  = ImGui::GetTextLineHeight();
    ImDrawList* dl = ImGui::GetWindowDrawList();
    dl->AddRectFilled(ImVec2(p.x, p.y + 2), ImVec2(p.x + h - 2, p.y + h - 2), fill);
    if (outline) dl->AddRect(ImVec2(p.x, p.y + 2), ImVec2(p.x + h - 2, p.y + h - 2), outline);
    ImGui::Dummy(ImVec2(h, h));
    ImGui::SameLine(0, 2);
    ImGui::TextUnformatted(text.c_str());
}

ImU32 op_colour(int op) {
    static const ImU32 kColours[] = {
        IM_COL32(86, 156, 214, 255),  IM_COL32(78, 201, 176, 255),  IM_COL32(220, 160, 90, 255),
        IM_COL32(197, 134, 192, 255), IM_COL32(214, 98, 98, 255),   IM_COL32(156, 206, 98, 255),
        IM_COL32(230, 210, 110, 255), IM_COL32(120, 130, 230, 255), IM_COL32(240, 130, 170, 255),
        IM_COL32(110, 190, 230, 255), IM_COL32(180, 180, 120, 255), IM_COL32(150, 110, 80, 255),
    };
    constexpr int n = int(sizeof(kColours) / sizeof(kColours[0]));
    return kColours[((op % n) + n) % n];
}

} // namespace moetwin::gui
