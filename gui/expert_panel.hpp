// SPDX-License-Identifier: Apache-2.0
// Expert hot spots: layer x logical expert heatmap of routed tokens (or relative / per-replica load), with the
// replica placement (phy2log) overlaid: a marker on every expert that has more than one physical copy.
#pragma once

#include "gui/heatmap_widget.hpp"
#include "gui/heatmaps.hpp"
#include "sim/result/result.hpp"

#include <vector>

namespace moetwin::gui {

struct ExpertPanel {
    ExpertMetric metric = ExpertMetric::Tokens;
    bool show_replicas  = true;

    void draw(const RunResult& r);
    void invalidate() { valid_ = false; }

  private:
    HeatmapWidget heatmap_;
    Matrix matrix_;
    ColourScale scale_;
    std::vector<std::vector<int>> replicas_; // [layer][column]: the most copies of the column's experts
    ReplicaSummary summary_;
    ExpertMetric built_ = ExpertMetric::Tokens;
    bool valid_         = false;
};

} // namespace moetwin::gui
