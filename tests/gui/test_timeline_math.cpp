// SPDX-License-Identifier: Apache-2.0
// Timeline maths: ns <-> px, zoom and pan, the visible window by lower_bound, folding of spans under 3 px.
#include "gui/timeline_math.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace moetwin::gui {
namespace {

std::vector<Span> lane(std::initializer_list<std::pair<int64_t, int64_t>> ivs) {
    std::vector<Span> v;
    for (const auto& [b, e] : ivs)
        v.push_back(Span{b, e, 0, Lane::Compute, 0, 0, 0});
    return v;
}

TEST(TimelineMath, NsPxRoundTrip) {
    const TimelineContext c = make_context(1000, 11000, 100.0f, 1000.0f);
    EXPECT_DOUBLE_EQ(c.nspx, 10.0);
    EXPECT_FLOAT_EQ(ns_to_px(c, 1000), 100.0f);
    EXPECT_FLOAT_EQ(ns_to_px(c, 11000), 1100.0f);
    EXPECT_FLOAT_EQ(ns_to_px(c, 6000), 600.0f);
    EXPECT_EQ(px_to_ns(c, 600.0), 6000);
    EXPECT_EQ(px_to_ns(c, 100.0), 1000);
    for (int64_t ns : {1000, 1234, 5555, 10999})
        EXPECT_NEAR(double(px_to_ns(c, ns_to_px(c, ns))), double(ns), c.nspx);
}

TEST(TimelineMath, ZoomKeepsTheTimeUnderTheCursor) {
    const TimeBounds b{0, 1'000'000, 100};
    const TimelineContext c = make_context(0, 1'000'000, 0.0f, 1000.0f);
    const int64_t under     = px_to_ns(c, 250.0);
    const TimelineContext z = zoom_at(c, 250.0, 0.5, b);
    EXPECT_EQ(z.v_end_ns - z.v_start_ns, 500'000);
    EXPECT_NEAR(double(px_to_ns(z, 250.0)), double(under), 1.0);
    // Zooming out past the bounds clamps to the whole step; zooming in stops at min_range_ns.
    EXPECT_EQ(zoom_at(z, 500.0, 100.0, b).v_start_ns, 0);
    EXPECT_EQ(zoom_at(z, 500.0, 100.0, b).v_end_ns, 1'000'000);
    EXPECT_EQ(zoom_at(c, 500.0, 1e-9, b).v_end_ns - zoom_at(c, 500.0, 1e-9, b).v_start_ns, 100);
}

TEST(TimelineMath, PanMovesByPixelsAndClamps) {
    const TimeBounds b{0, 10'000, 10};
    const TimelineContext c = make_context(2000, 4000, 0.0f, 200.0f); // 10 ns/px
    const TimelineContext p = pan_px(c, 50.0, b);                     // drag right: earlier times
    EXPECT_EQ(p.v_start_ns, 1500);
    EXPECT_EQ(p.v_end_ns, 3500);
    EXPECT_EQ(pan_px(c, 1e6, b).v_start_ns, 0);
    EXPECT_EQ(pan_px(c, -1e6, b).v_end_ns, 10'000);
    EXPECT_EQ(pan_px(c, -1e6, b).v_end_ns - pan_px(c, -1e6, b).v_start_ns, 2000);
}

TEST(TimelineMath, VisibleRangeUsesMaxEndForOverlaps) {
    // A long span at 0..900 overlaps the window although later spans begin before it ends.
    const auto spans   = lane({{0, 900}, {100, 110}, {200, 210}, {500, 520}, {950, 960}, {1200, 1300}});
    const LaneIndex li = build_lane_index(spans);
    const auto [f, l]  = visible_range(li, make_context(600, 1000, 0, 100));
    EXPECT_EQ(f, 0u); // the long span is visible
    EXPECT_EQ(l, 5u); // 1200 begins after the window
    const auto [f2, l2] = visible_range(li, make_context(1000, 1100, 0, 100));
    EXPECT_EQ(f2, 5u); // everything before ends at or before 1000
    EXPECT_EQ(l2, 5u); // and nothing begins before 1100
    const auto [f3, l3] = visible_range(li, make_context(0, 5000, 0, 100));
    EXPECT_EQ(f3, 0u);
    EXPECT_EQ(l3, spans.size());
}

TEST(TimelineMath, WideSpansAreDrawnAsThemselves) {
    const auto spans   = lane({{0, 100}, {100, 200}, {300, 400}});
    const LaneIndex li = build_lane_index(spans);
    std::vector<DrawItem> items;
    merge_narrow_spans(li, make_context(0, 400, 0, 400), 3.0f, items); // 1 ns/px: every span is 100 px
    ASSERT_EQ(items.size(), 3u);
    for (size_t i = 0; i < 3; ++i) {
        EXPECT_FALSE(items[i].folded);
        EXPECT_EQ(items[i].first, i);
        EXPECT_EQ(items[i].count, 1u);
    }
    EXPECT_FLOAT_EQ(items[2].x0, 300.0f);
    EXPECT_FLOAT_EQ(items[2].x1, 400.0f);
}

TEST(TimelineMath, NarrowNeighboursFoldIntoOneBlock) {
    // 1000 back-to-back 1 ns spans at 100 ns/px are 0.01 px each: one folded block.
    std::vector<Span> spans;
    for (int64_t t = 0; t < 1000; ++t)
        spans.push_back(Span{t, t + 1, 0, Lane::Compute, 0, 0, 0});
    const LaneIndex li = build_lane_index(spans);
    std::vector<DrawItem> items;
    merge_narrow_spans(li, make_context(0, 100'000, 0, 1000), 3.0f, items);
    ASSERT_EQ(items.size(), 1u);
    EXPECT_TRUE(items[0].folded);
    EXPECT_EQ(items[0].first, 0u);
    EXPECT_EQ(items[0].count, 1000u);
    EXPECT_FLOAT_EQ(items[0].x0, 0.0f);
    EXPECT_NEAR(items[0].x1, 10.0f, 0.01f); // ends at 1000 ns = 10 px
}

TEST(TimelineMath, GapsWiderThanMinPxSplitBlocksAndWideSpansStayApart) {
    // 10 ns/px: spans of 10 ns are 1 px. A 100 ns gap (10 px) splits; a 50 px span stays alone.
    const auto spans   = lane({{0, 10}, {12, 22}, {24, 34}, {134, 144}, {146, 156}, {160, 660}, {661, 671}});
    const LaneIndex li = build_lane_index(spans);
    std::vector<DrawItem> items;
    merge_narrow_spans(li, make_context(0, 1000, 0, 100), 3.0f, items);
    ASSERT_EQ(items.size(), 4u);
    EXPECT_TRUE(items[0].folded);
    EXPECT_EQ(items[0].count, 3u); // 0..34
    EXPECT_TRUE(items[1].folded);
    EXPECT_EQ(items[1].first, 3u);
    EXPECT_EQ(items[1].count, 2u); // 134..156; 160..660 is wide so it does not join
    EXPECT_FALSE(items[2].folded);
    EXPECT_EQ(items[2].first, 5u);
    EXPECT_FALSE(items[3].folded); // a lone narrow span is a block of one, not "folded"
    EXPECT_EQ(items[3].first, 6u);
    EXPECT_GE(items[3].x1 - items[3].x0, 1.0f); // drawn at least 1 px wide
}

TEST(TimelineMath, ItemsAreClippedToTheTrackArea) {
    const auto spans   = lane({{0, 10'000}});
    const LaneIndex li = build_lane_index(spans);
    std::vector<DrawItem> items;
    merge_narrow_spans(li, make_context(4000, 5000, 50, 100), 3.0f, items);
    ASSERT_EQ(items.size(), 1u);
    EXPECT_FLOAT_EQ(items[0].x0, 49.0f);
    EXPECT_FLOAT_EQ(items[0].x1, 151.0f);
}

TEST(TimelineMath, FoldingCostDoesNotGrowWithSpans) {
    // 10^6 narrow spans in a 1000 px window give at most ~w/min_px items.
    std::vector<Span> spans;
    for (int64_t i = 0; i < 1'000'000; ++i)
        spans.push_back(Span{i * 10, i * 10 + 5, 0, Lane::Compute, 0, 0, 0});
    const LaneIndex li = build_lane_index(spans);
    std::vector<DrawItem> items;
    merge_narrow_spans(li, make_context(0, 10'000'000, 0, 1000), 3.0f, items);
    EXPECT_LE(items.size(), 400u);
    uint64_t covered = 0;
    for (const DrawItem& it : items)
        covered += it.count;
    EXPECT_EQ(covered, spans.size());
}

TEST(TimelineMath, TickStepIsOneTwoFive) {
    EXPECT_EQ(tick_step_ns(1.0, 80), 100);
    EXPECT_EQ(tick_step_ns(10.0, 80), 1000);
    EXPECT_EQ(tick_step_ns(3.0, 80), 500);
    EXPECT_EQ(tick_step_ns(2.0, 80), 200);
    EXPECT_EQ(tick_step_ns(0.001, 80), 1);
    EXPECT_EQ(tick_step_ns(1e6, 100), 100'000'000);
}

// Issue 15 defect 1: a valid result with step_time_ns = INT64_MAX. The ruler's `for (t = first; t <= end;
// t += step)` never ended (t <= INT64_MAX always holds, then t wrapped), and every ns <-> px conversion at the
// window's end overflowed. Ticks stay few, ordered and inside the window; conversions saturate.
TEST(TimelineMath, WindowEndingAtInt64MaxIsSafe) {
    const TimelineContext all    = make_context(0, INT64_MAX, 100.0f, 1000.0f);
    const std::vector<int64_t> t = ruler_ticks(all, 90);
    ASSERT_FALSE(t.empty());
    EXPECT_LE(t.size(), size_t(1000 / 90 + 2));
    EXPECT_EQ(t.front(), 0);
    const int64_t step = tick_step_ns(all.nspx, 90);
    EXPECT_EQ(step, 1'000'000'000'000'000'000); // 9.2e18 ns over 1000 px x 90 px = 8.3e17: next 1-2-5 step
    for (size_t i = 1; i < t.size(); ++i)
        EXPECT_EQ(t[i] - t[i - 1], step);
    EXPECT_EQ(t.back(), 9 * step);
    // The last 1000 ns before INT64_MAX at 1 ns/px: ticks every 100 ns up to the last multiple below INT64_MAX.
    const TimelineContext end     = make_context(INT64_MAX - 1000, INT64_MAX, 0.0f, 1000.0f);
    const std::vector<int64_t> te = ruler_ticks(end, 90);
    ASSERT_EQ(te.size(), 10u);
    EXPECT_EQ(te.front(), 9'223'372'036'854'774'900);
    EXPECT_EQ(te.back(), 9'223'372'036'854'775'800);
    // ns <-> px at the right edge: the largest time, not a wrapped negative one.
    EXPECT_EQ(px_to_ns(all, 1100.0), INT64_MAX);
    EXPECT_GT(px_to_ns(all, 600.0), 4'000'000'000'000'000'000);
    const TimeBounds b{0, INT64_MAX, 100};
    const TimelineContext z = zoom_at(all, 1100.0, 0.5, b); // zoom in at the right edge
    EXPECT_EQ(z.v_end_ns, INT64_MAX);
    EXPECT_NEAR(double(z.v_start_ns), 0.5 * 9.223372036854775807e18, 1e6);
    EXPECT_EQ(zoom_at(z, 600.0, 1e9, b).v_start_ns, 0); // zoom out: the whole step again
    EXPECT_EQ(pan_px(z, -1e9, b).v_end_ns, INT64_MAX);  // drag left past the end: clamped
    EXPECT_EQ(pan_px(z, 1e9, b).v_start_ns, 0);
    EXPECT_EQ(saturate_ns(1e19), INT64_MAX);
    EXPECT_EQ(saturate_ns(-1e19), INT64_MIN);
    EXPECT_EQ(saturate_ns(std::nan("")), 0);
    EXPECT_EQ(saturate_ns(-2.5), -3); // llround: halves away from zero
    // Folding spans whose block ends near INT64_MAX: no overflow in the jump target.
    const auto spans = lane({{INT64_MAX - 30, INT64_MAX - 20}, {INT64_MAX - 10, INT64_MAX}});
    std::vector<DrawItem> items;
    merge_narrow_spans(build_lane_index(spans), all, 3.0f, items);
    ASSERT_EQ(items.size(), 1u);
    EXPECT_EQ(items[0].count, 2u);
}

TEST(TimelineMath, VisibleRows) {
    EXPECT_EQ(visible_rows(0, 100, 10, 1000), std::make_pair(0, 10));
    EXPECT_EQ(visible_rows(95, 100, 10, 1000), std::make_pair(9, 20));
    EXPECT_EQ(visible_rows(9990, 100, 10, 1000), std::make_pair(999, 1000));
    EXPECT_EQ(visible_rows(0, 100, 10, 0), std::make_pair(0, 0));
}

} // namespace
} // namespace moetwin::gui
