// SPDX-License-Identifier: Apache-2.0
// Colour scales and number formatting.
#include "gui/colour_scale.hpp"
#include "gui/format.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace moetwin::gui {
namespace {

TEST(ColourScale, EndsAndClamping) {
    EXPECT_EQ(palette_colour(Palette::Viridis, 0.0), rgba(68, 1, 84));
    EXPECT_EQ(palette_colour(Palette::Viridis, 1.0), rgba(253, 231, 37));
    EXPECT_EQ(palette_colour(Palette::Viridis, -5.0), palette_colour(Palette::Viridis, 0.0));
    EXPECT_EQ(palette_colour(Palette::Inferno, 7.0), palette_colour(Palette::Inferno, 1.0));
    EXPECT_EQ(palette_colour(Palette::Viridis, NAN), palette_colour(Palette::Viridis, 0.0));
    EXPECT_EQ(palette_colour(Palette::Diverging, 0.5), rgba(230, 230, 230)); // 0 is neutral
}

TEST(ColourScale, MakeScaleFromData) {
    const double v[]    = {3, -1, 7, NAN, 5};
    const ColourScale s = make_scale(Palette::Viridis, v, 5, "x");
    EXPECT_EQ(s.lo, -1);
    EXPECT_EQ(s.hi, 7);
    EXPECT_DOUBLE_EQ(s.normalise(3), 0.5);
    EXPECT_DOUBLE_EQ(s.normalise(100), 1.0);
    const ColourScale d = make_scale(Palette::Diverging, v, 5, "delta");
    EXPECT_EQ(d.lo, -7);
    EXPECT_EQ(d.hi, 7);
    EXPECT_DOUBLE_EQ(d.normalise(0), 0.5);
    const double one[] = {4};
    EXPECT_DOUBLE_EQ(make_scale(Palette::Viridis, one, 1, "").normalise(4), 0.5); // flat data: mid colour
}

TEST(ColourScale, ContrastText) {
    EXPECT_EQ(contrast_text(rgba(253, 231, 37)), rgba(0, 0, 0));
    EXPECT_EQ(contrast_text(rgba(68, 1, 84)), rgba(255, 255, 255));
}

TEST(Format, Durations) {
    EXPECT_EQ(format_ns(0), "0 ns");
    EXPECT_EQ(format_ns(830), "830 ns");
    EXPECT_EQ(format_ns(12'500), "12.5 \xC2\xB5s");
    EXPECT_EQ(format_ns(1'250'000), "1.25 ms");
    EXPECT_EQ(format_ns(999'700), "1.00 ms");
    EXPECT_EQ(format_ns(2'500'000'000), "2.50 s");
    EXPECT_EQ(format_ns(-1500), "-1.50 \xC2\xB5s");
}

// Issue 15 defect 11: the summary formats mean counters (doubles) as durations; near INT64_MAX the cast to
// int64 overflowed (UB; on x86 it gave INT64_MIN, shown as "-9223372037 s"). Saturated: the largest time.
TEST(Format, DurationsNearInt64MaxSaturate) {
    EXPECT_EQ(format_value(9.3e18, Unit::Ns), format_ns(INT64_MAX));
    EXPECT_EQ(format_value(double(INT64_MAX), Unit::Ns), "9223372037 s"); // double(INT64_MAX) is 2^63
    EXPECT_EQ(format_value(-1e30, Unit::Ns), format_ns(INT64_MIN));
    EXPECT_EQ(format_value(2.5e9, Unit::Ns), "2.50 s");
}

TEST(Format, CountsBytesPercent) {
    EXPECT_EQ(format_count(950), "950");
    EXPECT_EQ(format_count(12'345), "12.3 k");
    EXPECT_EQ(format_count(4'100'000), "4.10 M");
    EXPECT_EQ(format_count(1.5), "1.50");
    EXPECT_EQ(format_bytes(512), "512 B");
    EXPECT_EQ(format_bytes(1.5e6), "1.50 MB");
    EXPECT_EQ(format_rate_Bps(160e9), "160 GB/s");
    EXPECT_EQ(format_percent(0.625), "62.5 %");
    EXPECT_EQ(format_value(0.5, Unit::Fraction), "50.0 %");
    EXPECT_EQ(format_value(2000, Unit::Ns), "2.00 \xC2\xB5s");
}

} // namespace
} // namespace moetwin::gui
