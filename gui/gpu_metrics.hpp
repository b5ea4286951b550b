// SPDX-License-Identifier: Apache-2.0
// Per-GPU metrics the cluster map, the A/B comparison and the summary colour or rank GPUs by.
// Pure functions over RunResult; no ImGui.
#pragma once

#include "gui/format.hpp"
#include "sim/result/result.hpp"

#include <string_view>
#include <vector>

namespace moetwin::gui {

enum class GpuMetric : uint8_t {
    TokensReceived,
    ExpertSelections,
    BusyFraction,    // 1 - idle / step time (needs timing)
    ComputeFraction, // busy_compute / step time (needs timing)
    IdleTime,
    ComputeTime,
    DispatchTime,
    CombineTime,
    BytesSent,
    BytesReceived,
    HbmUsed,
};
inline constexpr int kNumGpuMetrics = 11;

std::string_view metric_name(GpuMetric m); // "tokens received", "busy %", ...
Unit metric_unit(GpuMetric m);
bool needs_timing(GpuMetric m);                         // true for the time-based metrics
bool metric_available(const RunResult& r, GpuMetric m); // false: timing-based and the result has no timing

std::vector<double> gpu_values(const RunResult& r, GpuMetric m); // [num_gpus]

// Load imbalance of a per-GPU vector: max / mean (1.0 is perfect balance; 0 when the mean is 0).
double imbalance(const std::vector<double>& v);

struct NodeAggregate {
    double sum = 0, mean = 0, max = 0;
    int argmax_gpu = -1;
};
std::vector<NodeAggregate> per_node(const RunResult& r, const std::vector<double>& per_gpu); // [num_nodes]

} // namespace moetwin::gui
