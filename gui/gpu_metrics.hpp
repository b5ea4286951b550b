// SPDX-License-Identifier: Apache-2.0
// Per-GPU metrics the cluster map, the A/B comparison and the summary colour or rank GPUs by.
// Pure functions over RunResult; no ImGui.
#pragma once

#include "common/name_table.hpp"
#include "gui/format.hpp"
#include "sim/result/result.hpp"

#include <array>
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

// name: the --metric spelling (exact, lowercase, common/name_table.hpp); description: the label the GUI shows.
inline constexpr std::array<NameEntry<GpuMetric>, kNumGpuMetrics> kGpuMetrics = {{
    {GpuMetric::TokensReceived, "tokens_received", "tokens received"},
    {GpuMetric::ExpertSelections, "expert_selections", "expert selections"},
    {GpuMetric::BusyFraction, "busy", "busy %"},
    {GpuMetric::ComputeFraction, "compute_share", "compute %"},
    {GpuMetric::IdleTime, "idle_time", "idle time"},
    {GpuMetric::ComputeTime, "compute_time", "compute time"},
    {GpuMetric::DispatchTime, "dispatch_time", "dispatch time"},
    {GpuMetric::CombineTime, "combine_time", "combine time"},
    {GpuMetric::BytesSent, "bytes_sent", "bytes sent"},
    {GpuMetric::BytesReceived, "bytes_received", "bytes received"},
    {GpuMetric::HbmUsed, "hbm_used", "HBM used"},
}};

std::string_view metric_name(GpuMetric m); // "tokens received", "busy %", ... (the table's description)

// The metric the cluster map colours by when none is asked for: the first of tokens received, compute time,
// dispatch time, expert selections and bytes received that is available and varies over the GPUs by more than
// 0.1 % of its largest value (busy % spans 99.97-100 % in real results: colouring by it paints noise).
// Tokens received when none varies.
GpuMetric default_gpu_metric(const RunResult& r);

// True when the per-GPU values differ by more than 0.1 % of the largest magnitude.
bool values_vary(const std::vector<double>& v);
Unit metric_unit(GpuMetric m);
bool needs_timing(GpuMetric m);                         // true for the time-based metrics
bool metric_available(const RunResult& r, GpuMetric m); // false: timing-based and the result has no timing

std::vector<double> gpu_values(const RunResult& r, GpuMetric m); // [num_gpus]

// Load imbalance of a per-GPU vector: max / mean (1.0 is perfect balance; 0 when the mean is 0).
double imbalance(const std::vector<double>& v);

// Mean over GPUs of {busy_compute_ns, dispatch_ns, combine_ns, idle_ns}, as doubles (the summary's time
// breakdown). Format with format_value(v, Unit::Ns): it saturates, so counters near INT64_MAX, whose mean a
// cast to int64 overflowed (issue 15 defect 11), read as the largest time, never as a negative one.
std::array<double, 4> mean_activity_ns(const RunResult& r);

struct NodeAggregate {
    double sum = 0, mean = 0, max = 0;
    int argmax_gpu = -1;
};
std::vector<NodeAggregate> per_node(const RunResult& r, const std::vector<double>& per_gpu); // [num_nodes]

} // namespace moetwin::gui
