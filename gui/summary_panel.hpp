// SPDX-License-Identifier: Apache-2.0
// Summary panel: what was run, the headline numbers (step time, tokens/s per GPU and per node, the slowest GPU
// and the busiest link), where GPU time goes, and the result's notes.
#pragma once

#include "sim/result/result.hpp"

namespace moetwin::gui {

struct SummaryPanel {
    int top_n = 5; // rows in the "slowest GPUs" and "busiest links" tables

    void draw(const RunResult& r);
};

} // namespace moetwin::gui
