// SPDX-License-Identifier: Apache-2.0
// A/B comparison: what differs in the setup, the headline metrics of both results with their differences
// (green = B better, red = B worse), and per-GPU maps of A and B on one shared scale plus B - A.
#pragma once

#include "gui/gpu_metrics.hpp"
#include "sim/result/result.hpp"

namespace moetwin::gui {

struct ComparePanel {
    GpuMetric metric = GpuMetric::TokensReceived;

    // b may be null: the panel then says how to get a B (open one, or re-run a what-if).
    void draw(const RunResult& a, const RunResult* b, const char* a_name, const char* b_name);
};

} // namespace moetwin::gui
