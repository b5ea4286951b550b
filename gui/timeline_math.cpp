// SPDX-License-Identifier: Apache-2.0
// Timeline maths: the only place that converts between nanoseconds and pixels.
#include "gui/timeline_math.hpp"

#include <algorithm>
#include <cmath>

namespace moetwin::gui {

TimelineContext make_context(int64_t v_start_ns, int64_t v_end_ns, float wpos, float w) {
    TimelineContext c;
    c.v_start_ns = v_start_ns;
    c.v_end_ns   = std::max(v_end_ns, v_start_ns + 1);
    c.wpos       = wpos;
    c.w          = std::max(w, 1.0f);
    c.nspx       = double(c.v_end_ns - c.v_start_ns) / double(c.w);
    return c;
}

float ns_to_px(const TimelineContext& c, int64_t ns) {
    return float(double(c.wpos) + double(ns - c.v_start_ns) / c.nspx);
}

int64_t px_to_ns(const TimelineContext& c, double x) {
    return c.v_start_ns + int64_t(std::llround((x - double(c.wpos)) * c.nspx));
}

TimelineContext clamp_to(const TimelineContext& c, const TimeBounds& b) {
    const int64_t total = std::max<int64_t>(b.end_ns - b.begin_ns, 1);
    int64_t len         = std::clamp<int64_t>(c.v_end_ns - c.v_start_ns, std::min(b.min_range_ns, total), total);
    int64_t start       = std::clamp<int64_t>(c.v_start_ns, b.begin_ns, b.end_ns - len);
    return make_context(start, start + len, c.wpos, c.w);
}

TimelineContext zoom_at(const TimelineContext& c, double x, double factor, const TimeBounds& b) {
    const double frac   = std::clamp((x - double(c.wpos)) / double(c.w), 0.0, 1.0);
    const double len    = double(c.v_end_ns - c.v_start_ns);
    const double total  = double(std::max<int64_t>(b.end_ns - b.begin_ns, 1));
    const double lo     = double(std::min(b.min_range_ns, std::max<int64_t>(b.end_ns - b.begin_ns, 1)));
    const double newlen = std::clamp(len * factor, lo, total);
    const double anchor = double(c.v_start_ns) + frac * len; // the time under the cursor stays there
    const auto start    = int64_t(std::llround(anchor - frac * newlen));
    return clamp_to(make_context(start, start + int64_t(std::llround(newlen)), c.wpos, c.w), b);
}

TimelineContext pan_px(const TimelineContext& c, double dx, const TimeBounds& b) {
    const auto shift = int64_t(std::llround(dx * c.nspx));
    return clamp_to(make_context(c.v_start_ns - shift, c.v_end_ns - shift, c.wpos, c.w), b);
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
            const auto target = int64_t(double(block_end) + gap_ns);
            const size_t k    = size_t(std::lower_bound(me.begin() + next, me.begin() + last, target) - me.begin());
            if (k >= last) {
                next = last;
                break;
            }
            if (k > next) block_end = std::max(block_end, me[k - 1]); // absorbed: they end before target
            const Span& n = spans[k];
            const bool joins =
                ns_to_px(c, n.end_ns) - ns_to_px(c, n.begin_ns) < min_px && double(n.begin_ns - block_end) < gap_ns;
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

std::pair<int, int> visible_rows(double scroll_y, double view_h, double row_h, int num_rows) {
    if (row_h <= 0 || num_rows <= 0) return {0, 0};
    const int first = std::clamp(int(std::floor(scroll_y / row_h)), 0, num_rows);
    const int last  = std::clamp(int(std::ceil((scroll_y + view_h) / row_h)), first, num_rows);
    return {first, last};
}

} // namespace moetwin::gui
