// SPDX-License-Identifier: Apache-2.0
// Tracy-like timeline: per-GPU lanes for compute, dispatch and combine; wheel zooms around the cursor, drag
// pans (and scrolls GPUs), double-click fits the step. Only visible GPUs and the visible time window are drawn;
// spans narrower than 3 px fold into one block (timeline_math.hpp). Hover any span or block for its numbers.
#pragma once

#include "gui/timeline_math.hpp"
#include "sim/result/result.hpp"

#include <vector>

namespace moetwin::gui {

struct TimelinePanel {
    enum class ColourBy : int { Op, MicroBatch, Layer };

    bool show_lane[kNumLanes] = {true, true, true};
    ColourBy colour_by        = ColourBy::Op;
    float lane_h              = 14.0f; // pixels per lane row
    float min_px              = 3.0f;  // Tracy's MinVisSize

    void draw(const RunResult& r);
    void invalidate() { valid_ = false; }
    void focus_gpu(int gpu) { focus_gpu_ = gpu; } // scroll it into view on the next frame
    void set_window(int64_t begin_ns, int64_t end_ns) { pending_begin_ns_ = begin_ns, pending_end_ns_ = end_ns; }

  private:
    void rebuild(const RunResult& r);
    void draw_toolbar(const RunResult& r, const TimeBounds& bounds);
    void draw_tracks(const RunResult& r, const TimeBounds& bounds);

    std::vector<LaneIndex> lanes_; // [gpu * kNumLanes + lane]
    std::vector<DrawItem> items_;  // scratch, reused every lane
    TimelineContext view_;         // v_start/v_end persist; wpos/w are set each frame
    bool valid_               = false;
    int focus_gpu_            = -1;
    int64_t pending_begin_ns_ = -1, pending_end_ns_ = -1; // applied once the result is known
};

} // namespace moetwin::gui
