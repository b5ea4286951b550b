// SPDX-License-Identifier: Apache-2.0
// A Matrix drawn as one GL texture (one texel per cell), with axis labels and hit-testing: tens of thousands of
// cells cost one quad per frame. Callers add their own tooltips and overlays using the returned geometry.
#pragma once

#include "gui/colour_scale.hpp"
#include "gui/gl_texture.hpp"
#include "gui/heatmaps.hpp"

#include <imgui.h>

namespace moetwin::gui {

struct HeatmapGeometry {
    ImVec2 origin;    // screen position of cell (0, 0)'s top-left corner
    float cell_w = 0; // pixels per column
    float cell_h = 0; // pixels per row
    int rows = 0, cols = 0;

    ImVec2 cell_min(int r, int c) const { return ImVec2(origin.x + c * cell_w, origin.y + r * cell_h); }
};

struct HeatmapHit {
    int row = -1;
    int col = -1;
    bool hit() const { return row >= 0 && col >= 0; }
};

class HeatmapWidget {
  public:
    // Rebuilds the texture: each cell coloured by `s`, cells without data in grey.
    void upload(const Matrix& m, const ColourScale& s);
    void reset() { texture_.reset(); }
    bool ready() const { return texture_.valid(); }

    // Fills `size` (labels included): rows top to bottom, columns left to right; labels every few rows/columns.
    HeatmapHit draw(const char* id, ImVec2 size, const char* row_axis, const char* col_axis,
                    HeatmapGeometry* geometry = nullptr);

  private:
    GlTexture texture_;
    int rows_ = 0, cols_ = 0;
};

} // namespace moetwin::gui
