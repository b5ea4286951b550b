// SPDX-License-Identifier: Apache-2.0
// Cluster map panel: nodes x GPUs coloured by a chosen per-GPU metric (load, busy %, idle, bytes...), with its
// legend, numbers on hover, the slowest GPU outlined, and the sorted distribution of the metric over GPUs.
#pragma once

#include "gui/gpu_metrics.hpp"
#include "sim/result/result.hpp"

#include <optional>

namespace moetwin::gui {

struct ClusterPanel {
    std::optional<GpuMetric> metric; // unset: default_gpu_metric(r); falls back to tokens received without timing
    bool show_distribution = true;

    // Returns the GPU clicked this frame, or -1.
    int draw(const RunResult& r);
};

} // namespace moetwin::gui
