// SPDX-License-Identifier: Apache-2.0
// Small ImGui helpers every panel uses: colour legends, the "no timing" banner, help markers, combos.
#pragma once

#include "gui/colour_scale.hpp"
#include "gui/format.hpp"
#include "sim/result/result.hpp"

#include <imgui.h>

#include <string>
#include <vector>

namespace moetwin::gui {

inline constexpr ImU32 kTextDim   = IM_COL32(160, 160, 170, 255);
inline constexpr ImU32 kWarnColor = IM_COL32(255, 200, 80, 255);
inline constexpr ImU32 kErrColor  = IM_COL32(255, 110, 100, 255);
inline constexpr ImU32 kNoData    = IM_COL32(70, 70, 76, 255); // cells without data (dense layers)

// A horizontal colour bar with lo / mid / hi values and the scale's label. Every colour scale gets one.
void draw_legend(const ColourScale& s, Unit unit, float width = 280.0f);

// Says plainly that the result has no timing (summary.timing_simulated == false), with meta.notes.
// Returns true when it drew (the result has no timing).
bool no_timing_banner(const RunResult& r, const char* what_is_missing);

void help_marker(const char* text);

// A combo over `items`; true when the selection changed.
bool combo(const char* label, int* current, const std::vector<std::string>& items, float width = 220.0f);

// Text in a colour, without printf formatting.
void coloured_text(ImU32 colour, const std::string& text);

// A legend entry: a small square of `fill` (outlined in `outline` when given) followed by text, on one line.
void swatch(ImU32 fill, const std::string& text, ImU32 outline = 0);

// A categorical colour for op i (stable, distinct for the first dozen).
ImU32 op_colour(int op);

} // namespace moetwin::gui
