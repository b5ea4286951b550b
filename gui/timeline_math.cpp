// SPDX-License-Identifier: Apache-2.0
// Timeline maths: the only place that converts between nanoseconds and pixels.
#include "gui/timeline_math.hpp"

#include <algorithm>
#include <cmath>

namespace moetwin::gui {

namespace {

int64_t sat_add(int64_t a, int64_t b) {
    int64_t s = 0;
    return __builtin_add_overflow(a, b, &s) ? (b > 0 ? INT64_MAX : INT64_MIN) : s;
}
int64_t sat_sub(int64_t a, int64_t b) {
    int64_t s = 0;
    return __builtin_sub_overflow(a, b, &s) ? (b < 0 ? INT64_MAX : INT64_MIN) : s;
}

} // namespace

TimelineContext make_context(int64_t v_start_ns, int64_t v_end_ns, float wpos, float w) {
    TimelineContext c;
    c.v_start_ns = std::min(v_start_ns, INT64_MAX - 1);
    c.v_end_ns   = std::max(v_end_ns, c.v_start_ns + 1);
    c.wpos       = wpos;
    c.w          = std::max(w, 1.0f);
    c.nspx       = (double(c.v_end_ns) - double(c.v_start_ns)) / double(c.w);
    if (!(c.nspx > 0)) c.nspx = 1.0 / double(c.w); // the difference of two doubles that large rounded to 0
    return c;
}

float ns_to_px(const TimelineContext& c, int64_t ns) {
    return float(double(c.wpos) + (double(ns) - double(c.v_start_ns)) / c.nspx);
}

int64_t px_to_ns(const TimelineContext& c, double x) {
    return sat_add(c.v_start_ns, saturate_ns((x - double(c.wpos)) * c.nspx));
}

TimelineContext clamp_to(const TimelineContext& c, const TimeBounds& b) {
    const int64_t total = std::max<int64_t>(sat_sub(b.end_ns, b.begin_ns), 1);
    int64_t len   = std::clamp<int64_t>(sat_sub(c.v_end_ns, c.v_start_ns), std::min(b.min_range_ns, total), total);
    int64_t start = std::clamp<int64_t>(c.v_start_ns, b.begin_ns, std::max(sat_sub(b.end_ns, len), b.begin_ns));
    return make_context(start, sat_add(start, len), c.wpos, c.w);
}

TimelineContext zoom_at(const TimelineContext& c, double x, double factor, const TimeBounds& b) {
    const double frac   = std::clamp((x - double(c.wpos)) / double(c.w), 0.0, 1.0);
    const double len    = double(c.v_end_ns) - double(c.v_start_ns);
    const double total  = double(std::max<int64_t>(sat_sub(b.end_ns, b.begin_ns), 1));
    const double lo     = double(std::min(b.min_range_ns, std::max<int64_t>(sat_sub(b.end_ns, b.begin_ns), 1)));
    const double newlen = std::clamp(len * factor, lo, total);
    const double anchor = double(c.v_start_ns) + frac * len; // the time under the cursor stays there
    // Slide into the bounds before converting, so that saturating the end cannot shorten the window.
    const double start =
        std::clamp(anchor - frac * newlen, double(b.begin_ns), std::max(double(b.end_ns) - newlen, double(b.begin_ns)));
    return clamp_to(make_context(saturate_ns(start), saturate_ns(start + newlen), c.wpos, c.w), b);
}

TimelineContext pan_px(const TimelineContext& c, double dx, const TimeBounds& b) {
    const int64_t shift = saturate_ns(dx * c.nspx);
    return clamp_to(make_context(sat_sub(c.v_start_ns, shift), sat_sub(c.v_end_ns, shift), c.wpos, c.w), b);
}

LaneIndex build_lane_index(std::span<const Span> spans) {
    LaneIndex lane{spans, {}};
    lane.max_end.resize(spans.size());
    int64_t m = INT64_MIN;
    for (size_t i = 0; i < spans.size(); ++i)
        lane.max_end[i] = m = std::max(m, spans[i].end_ns);
    return lane;
}

std::pair<size_t, size_t> visible_range(const LaneIndex& lane, const TimelineContext& c) {
    const auto& me     = lane.max_end;
    const size_t first = size_t(std::upper_bound(me.begin(), me.end(), c.v_start_ns) - me.begin());
    const auto it      = std::lower_bound(lane.spans.begin() + first, lane.spans.end(), c.v_end_ns,
                                          [](const Span& s, int64_t t) { return s.begin_ns < t; });
    return {first, size_t(it - lane.spans.begin())};
}

void merge_narrow_spans(const LaneIndex& lane, const TimelineContext& c, float min_px, std::vector<DrawItem>& out) {
    out.clear();
    const auto [first, last] = visible_range(lane, c);
    const auto& spans        = lane.spans;
    const auto& me           = lane.max_end;
    const float left = c.wpos - 1, right = c.wpos + c.w + 1;
    const double gap_ns = double(min_px) * c.nspx;
    const auto clip     = [&](float x) { return std::clamp(x, left, right); };

    size_t i = first;
    while (i < last) {
        const Span& s  = spans[i];
        const float x0 = ns_to_px(c, s.begin_ns), x1 = ns_to_px(c, s.end_ns);
        if (x1 - x0 >= min_px) {
            out.push_back({clip(x0), std::max(clip(x1), clip(x0) + 1), uint32_t(i), 1, false});
            ++i;
            continue;
        }
        // Fold: jump to the first span that ends at least gap_ns after the block's end; it joins the
        // block only when it is narrow and starts within gap_ns of the block's end.
        int64_t block_end = s.end_ns;
        size_t next       = i + 1;
        for (;;) {
            const int64_t target = saturate_ns(double(block_end) + gap_ns);
            const size_t k       = size_t(std::lower_bound(me.begin() + next, me.begin() + last, target) - me.begin());
            if (k >= last) {
                next = last;
                break;
            }
            if (k > next) block_end = std::max(block_end, me[k - 1]); // absorbed: they end before target
            const Span& n    = spans[k];
            const bool joins = ns_to_px(c, n.end_ns) - ns_to_px(c, n.begin_ns) < min_px &&
                               double(n.begin_ns) - double(block_end) < gap_ns;
            if (!joins) {
                next = k;
                break;
            }
            block_end = std::max(block_end, n.end_ns);
            next      = k + 1;
        }
        block_end        = std::max(block_end, me[next - 1]);
        const float bx0  = clip(x0);
        const float bx1  = std::max(clip(ns_to_px(c, block_end)), bx0 + 1);
        const auto count = uint32_t(next - i);
        out.push_back({bx0, bx1, uint32_t(i), count, count > 1});
        i = next;
    }
}

int64_t tick_step_ns(double nspx, double min_px_between) {
    const double want = std::max(nspx * min_px_between, 1.0);
    int64_t p         = 1;
    for (;;) {
        for (const int64_t m : {1, 2, 5})
            if (double(p * m) >= want) return p * m;
        if (p > INT64_MAX / 100) return p * 10;
        p *= 10;
    }
}

std::vector<int64_t> ruler_ticks(const TimelineContext& c, double min_px_between) {
    std::vector<int64_t> ticks;
    const int64_t step = tick_step_ns(c.nspx, min_px_between);
    // The first multiple of step at or after v_start_ns (division truncates toward zero).
    int64_t t = c.v_start_ns / step * step;
    if (t < c.v_start_ns) {
        if (t > INT64_MAX - step) return ticks;
        t += step;
    }
    const auto max_ticks = size_t(std::max(double(c.w) / std::max(min_px_between, 1.0), 0.0)) + 2;
    while (t <= c.v_end_ns && ticks.size() < max_ticks) {
        ticks.push_back(t);
        if (t > INT64_MAX - step) break; // the next tick is not representable (issue 15 defect 1)
        t += step;
    }
    return ticks;
}

std::pair<int, int> visible_rows(double scroll_y, double view_h, double row_h, int num_rows) {
    if (row_h <= 0 || num_rows <= 0) return {0, 0};
    const int first = std::clamp(int(std::floor(scroll_y / row_h)), 0, num_rows);
    const int last  = std::clamp(int(std::ceil((scroll_y + view_h) / row_h)), first, num_rows);
    return {first, last};
}

} // namespace moetwin::gui
