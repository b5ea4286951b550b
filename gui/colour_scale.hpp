// SPDX-License-Identifier: Apache-2.0
// Colour scales for heatmaps and maps: value -> packed RGBA (the byte order of ImGui's IM_COL32, so the
// result feeds ImDrawList and GL textures directly). No ImGui; every scale is drawn with a legend.
#pragma once

#include <cstdint>
#include <string>

namespace moetwin::gui {

// Packed as IM_COL32(r, g, b, a): r in the lowest byte.
constexpr uint32_t rgba(uint8_t r, uint8_t g, uint8_t b, uint8_t a = 255) {
    return uint32_t(r) | uint32_t(g) << 8 | uint32_t(b) << 16 | uint32_t(a) << 24;
}

enum class Palette : uint8_t {
    Viridis,   // sequential, perceptually uniform: loads, utilisation
    Inferno,   // sequential, dark -> hot: expert hot spots
    Diverging, // blue (< 0) - light grey (0) - red (> 0): A/B differences
};

uint32_t palette_colour(Palette p, double t); // t clamped to [0, 1]

// A value range mapped onto a palette. Diverging scales are symmetric around 0 (lo = -hi).
struct ColourScale {
    Palette palette = Palette::Viridis;
    double lo       = 0;
    double hi       = 1;
    std::string label; // what the colour means, with its unit: "tokens received", "compute time"

    double normalise(double v) const; // [lo, hi] -> [0, 1], clamped; 0.5 when lo == hi
    uint32_t colour(double v) const { return palette_colour(palette, normalise(v)); }
};

// lo/hi from data; a diverging scale becomes [-max|v|, +max|v|].
ColourScale make_scale(Palette p, const double* values, size_t n, std::string label);

// Black or white, whichever reads better on `background`.
uint32_t contrast_text(uint32_t background);

} // namespace moetwin::gui
