// SPDX-License-Identifier: Apache-2.0
// Layer x GPU heatmap panel: tokens received, tokens relative to the layer mean, compute time, or idle time
// waiting for the layer's slowest GPU; one texel per cell, a legend, every number on hover.
#pragma once

#include "gui/heatmap_widget.hpp"
#include "gui/heatmaps.hpp"
#include "sim/result/result.hpp"

namespace moetwin::gui {

struct LayerHeatmapPanel {
    LayerGpuMetric metric = LayerGpuMetric::TokensReceived;

    void draw(const RunResult& r);
    void invalidate() { valid_ = false; } // the result changed

  private:
    HeatmapWidget heatmap_;
    Matrix matrix_;
    ColourScale scale_;
    LayerGpuMetric built_ = LayerGpuMetric::TokensReceived;
    bool valid_           = false;
};

} // namespace moetwin::gui
