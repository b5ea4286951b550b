// SPDX-License-Identifier: Apache-2.0
// A/B comparison of two results: headline metrics side by side with their differences, which setup fields
// differ, and per-GPU deltas when both runs have the same GPUs. Pure functions; no ImGui.
#pragma once

#include "gui/format.hpp"
#include "gui/gpu_metrics.hpp"
#include "sim/result/result.hpp"

#include <optional>
#include <string>
#include <vector>

namespace moetwin::gui {

struct DiffRow {
    std::string name;
    Unit unit            = Unit::Count;
    double a             = 0;
    double b             = 0;
    bool lower_is_better = true;
    bool available       = true; // false when a metric needs timing and either result has none

    double delta() const { return b - a; }
    std::optional<double> relative() const; // (b - a) / |a|; empty when a == 0
    int verdict() const;                    // +1 B better, -1 B worse, 0 same (within 1e-9 relative) or n/a
};

std::vector<DiffRow> compare_results(const RunResult& a, const RunResult& b);

// "meta.num_gpus: 144 -> 320" for every setup field that differs (scenario, phase, sizes, models).
std::vector<std::string> setup_differences(const RunResult& a, const RunResult& b);

bool same_gpu_layout(const RunResult& a, const RunResult& b); // num_nodes and gpus_per_node equal

// b - a per GPU; empty when the layouts differ.
std::vector<double> gpu_delta(const RunResult& a, const RunResult& b, GpuMetric m);

// Mean over MoE layers of max(expert tokens) / mean(expert tokens): the hot-spot factor before placement.
double expert_hotspot_factor(const RunResult& r);

} // namespace moetwin::gui
