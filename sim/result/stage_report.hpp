// SPDX-License-Identifier: Apache-2.0
// StageReport: a simulated step read the way one reads a profiler trace of a real one: the mean time
// of each stage (attention, MoE experts, shared expert, dispatch, combine, ...) per micro-batch over
// the MoE layers and GPUs, and the per-layer span (the pipeline's period). Computed from the spans
// only, so it applies to any RunResult, and compares with DeepSeek's published per-stage timings.
#pragma once

#include "sim/result/result.hpp"

#include <iosfwd>
#include <string>
#include <vector>

namespace moetwin {

struct StageTime {
    std::string op; // span op name: "attn", "attn0", "mlp", "shared", "dispatch", "combine", ...
    Lane lane         = Lane::Compute;
    int micro_batch   = 0;
    int64_t count     = 0; // spans averaged (MoE layers × GPUs)
    double mean_ns    = 0; // mean span duration
    double slowest_ns = 0; // mean over MoE layers of the slowest GPU's span in that layer
};

struct StageReport {
    int first_moe_layer = -1; // layers before it are dense (no dispatch on any GPU)
    int num_moe_layers  = 0;
    std::vector<StageTime> stages; // MoE layers only, sorted by (micro_batch, lane, op)
    // Per-layer span: on each GPU, from the start of a layer's first compute span to the start of the next
    // layer's; mean over GPUs. [num_layers - 1] entries (the last layer has no successor).
    std::vector<double> layer_period_ns;
    double moe_layer_period_mean_ns = 0; // mean of layer_period_ns over MoE layers with a successor
};

// Contract: pure; requires sorted spans (validate(r) holds). A result without spans gives an empty report.
StageReport stage_report(const RunResult& r);

// "stage times per micro-batch, mean over N MoE layers and G GPUs (slowest GPU in brackets)" then one
// line per (micro-batch, stage), then the MoE-layer period.
void print_stage_report(std::ostream& out, const StageReport& rep);

} // namespace moetwin
