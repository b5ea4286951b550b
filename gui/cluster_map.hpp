// SPDX-License-Identifier: Apache-2.0
// The cluster map widget: every node as a strip of its GPUs, node strips tiled to fill the area, each GPU
// cell coloured by a per-GPU value. Used by the cluster panel and (side by side, and as differences) by A/B.
#pragma once

#include "gui/colour_scale.hpp"
#include "gui/format.hpp"
#include "sim/result/result.hpp"

#include <imgui.h>

#include <vector>

namespace moetwin::gui {

struct ClusterMapStyle {
    Unit unit         = Unit::Count;
    int highlight_gpu = -1;   // outlined (e.g. the slowest GPU)
    bool show_values  = true; // numbers inside cells when they fit
};

// Draws `values` ([num_gpus]) over r's nodes x GPUs into `size`; returns the hovered GPU or -1.
int draw_cluster_map(const char* id, const RunResult& r, const std::vector<double>& values, const ColourScale& s,
                     ImVec2 size, const ClusterMapStyle& style = {});

// The standard tooltip for a GPU: identity, the shown value and its counters.
void gpu_tooltip(const RunResult& r, int gpu, const char* value_name, const std::string& value);

} // namespace moetwin::gui
