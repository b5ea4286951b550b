// SPDX-License-Identifier: Apache-2.0
// Palettes as short tables of stops, linearly interpolated (viridis and inferno after matplotlib's).
#include "gui/colour_scale.hpp"

#include <algorithm>
#include <cmath>

namespace moetwin::gui {
namespace {

struct Stop {
    uint8_t r, g, b;
};

// 9 evenly spaced samples of each matplotlib colormap.
constexpr Stop kViridis[]   = {{68, 1, 84},    {71, 44, 122}, {59, 81, 139},  {44, 113, 142}, {33, 144, 141},
                               {39, 173, 129}, {92, 200, 99}, {170, 220, 50}, {253, 231, 37}};
constexpr Stop kInferno[]   = {{0, 0, 4},     {31, 12, 72},   {85, 15, 109},  {136, 34, 106}, {186, 54, 85},
                               {227, 89, 51}, {249, 140, 10}, {249, 201, 50}, {252, 255, 164}};
constexpr Stop kDiverging[] = {{33, 102, 172},  {103, 169, 207}, {209, 229, 240}, {230, 230, 230},
                               {253, 219, 199}, {239, 138, 98},  {178, 24, 43}};

template <size_t N> uint32_t interpolate(const Stop (&stops)[N], double t) {
    const double x = std::clamp(t, 0.0, 1.0) * double(N - 1);
    const size_t i = std::min(size_t(x), N - 2);
    const double f = x - double(i);
    const auto mix = [&](uint8_t a, uint8_t b) { return uint8_t(std::lround(a + (double(b) - a) * f)); };
    return rgba(mix(stops[i].r, stops[i + 1].r), mix(stops[i].g, stops[i + 1].g), mix(stops[i].b, stops[i + 1].b));
}

} // namespace

uint32_t palette_colour(Palette p, double t) {
    if (!std::isfinite(t)) t = 0;
    switch (p) {
    case Palette::Viridis:
        return interpolate(kViridis, t);
    case Palette::Inferno:
        return interpolate(kInferno, t);
    case Palette::Diverging:
        return interpolate(kDiverging, t);
    }
    return rgba(255, 0, 255);
}

double ColourScale::normalise(double v) const {
    if (!(hi > lo)) return 0.5;
    return std::clamp((v - lo) / (hi - lo), 0.0, 1.0);
}

ColourScale make_scale(Palette p, const double* values, size_t n, std::string label) {
    ColourScale s{p, 0, 0, std::move(label)};
    bool first = true;
    for (size_t i = 0; i < n; ++i) {
        const double v = values[i];
        if (!std::isfinite(v)) continue;
        s.lo  = first ? v : std::min(s.lo, v);
        s.hi  = first ? v : std::max(s.hi, v);
        first = false;
    }
    if (p == Palette::Diverging) {
        const double m = std::max(std::fabs(s.lo), std::fabs(s.hi));
        s.lo           = -m;
        s.hi           = m;
    }
    return s;
}

uint32_t contrast_text(uint32_t c) {
    const double r = c & 0xff, g = (c >> 8) & 0xff, b = (c >> 16) & 0xff;
    return 0.299 * r + 0.587 * g + 0.114 * b > 140 ? rgba(0, 0, 0) : rgba(255, 255, 255);
}

} // namespace moetwin::gui
