// SPDX-License-Identifier: Apache-2.0
// Per-link utilisation: NVLink vs PCIe vs InfiniBand summaries, utilisation histograms per kind, and a
// sortable, filterable table of every link with its utilisation drawn as a coloured bar (with legend).
#pragma once

#include "sim/result/result.hpp"

#include <string>
#include <vector>

namespace moetwin::gui {

struct LinkPanel {
    int kind_filter = 0; // 0 all, then the kinds present
    std::string text_filter;

    void draw(const RunResult& r);
    void invalidate() { valid_ = false; }

  private:
    std::vector<int> rows_; // link indices shown, in table order
    bool valid_     = false;
    int sorted_col_ = 7;
    bool ascending_ = false;
    int built_kind_ = -1;
    std::string built_text_;
};

} // namespace moetwin::gui
