// SPDX-License-Identifier: Apache-2.0
// HeatmapWidget: texture upload, axes, hover.
#include "gui/heatmap_widget.hpp"

#include "gui/widgets.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

namespace moetwin::gui {
namespace {

// A label step of 1, 2, 5, 10, ... cells so labels are at least min_px apart.
int label_step(float px_per_cell, float min_px) {
    for (int p = 1;; p *= 10)
        for (const int m : {1, 2, 5})
            if (px_per_cell * float(p * m) >= min_px) return p * m;
}

} // namespace

void HeatmapWidget::upload(const Matrix& m, const ColourScale& s) {
    rows_ = m.rows;
    cols_ = m.cols;
    if (rows_ <= 0 || cols_ <= 0) {
        texture_.reset();
        return;
    }
    std::vector<uint32_t> px(size_t(rows_) * size_t(cols_));
    for (int r = 0; r < rows_; ++r)
        for (int c = 0; c < cols_; ++c)
            px[size_t(r) * size_t(cols_) + size_t(c)] = m.has(r, c) ? s.colour(m.at(r, c)) : kNoData;
    texture_.upload(cols_, rows_, px.data());
}

HeatmapHit HeatmapWidget::draw(const char* id, ImVec2 size, const char* row_axis, const char* col_axis,
                               HeatmapGeometry* geometry) {
    HeatmapHit hit;
    const ImVec2 p0 = ImGui::GetCursorScreenPos();
    ImGui::InvisibleButton(id, ImVec2(std::max(size.x, 10.0f), std::max(size.y, 10.0f)));
    if (!texture_.valid()) return hit;
    ImDrawList* dl     = ImGui::GetWindowDrawList();
    const float line   = ImGui::GetTextLineHeight();
    const float left   = ImGui::CalcTextSize("00000").x + 6; // row labels
    const float bottom = 2 * line + 6;
    const ImVec2 origin(p0.x + left, p0.y + line + 2); // the row axis title sits above the row labels
    const float w = std::max(size.x - left - 4, 1.0f), h = std::max(size.y - bottom - line - 2, 1.0f);
    const float cw = w / float(cols_), ch = h / float(rows_);
    dl->AddImage(ImTextureID(intptr_t(texture_.id())), origin, ImVec2(origin.x + w, origin.y + h));
    dl->AddRect(ImVec2(origin.x - 1, origin.y - 1), ImVec2(origin.x + w + 1, origin.y + h + 1),
                IM_COL32(90, 90, 100, 255));

    const int rstep = label_step(ch, line + 2);
    for (int r = 0; r < rows_; r += rstep) {
        const std::string s = std::to_string(r);
        const float y       = origin.y + (r + 0.5f) * ch - line / 2;
        dl->AddText(ImVec2(origin.x - 4 - ImGui::CalcTextSize(s.c_str()).x, y), kTextDim, s.c_str());
    }
    const int cstep = label_step(cw, ImGui::CalcTextSize("0000").x + 6);
    for (int c = 0; c < cols_; c += cstep) {
        const std::string s = std::to_string(c);
        const float x       = origin.x + (c + 0.5f) * cw - ImGui::CalcTextSize(s.c_str()).x / 2;
        dl->AddText(ImVec2(x, origin.y + h + 2), kTextDim, s.c_str());
    }
    dl->AddText(ImVec2(origin.x + w / 2 - ImGui::CalcTextSize(col_axis).x / 2, origin.y + h + line + 4),
                ImGui::GetColorU32(ImGuiCol_Text), col_axis);
    dl->AddText(p0, ImGui::GetColorU32(ImGuiCol_Text), row_axis);

    if (geometry) *geometry = {origin, cw, ch, rows_, cols_};
    if (ImGui::IsItemHovered()) {
        const ImVec2 m = ImGui::GetIO().MousePos;
        const int c = int(std::floor((m.x - origin.x) / cw)), r = int(std::floor((m.y - origin.y) / ch));
        if (r >= 0 && r < rows_ && c >= 0 && c < cols_) {
            hit = {r, c};
            const ImVec2 a(origin.x + c * cw, origin.y + r * ch);
            dl->AddRect(ImVec2(a.x - 1, a.y - 1), ImVec2(a.x + cw + 1, a.y + ch + 1), IM_COL32(255, 255, 255, 230), 0,
                        0, 1.5f);
        }
    }
    return hit;
}

} // namespace moetwin::gui
