// SPDX-License-Identifier: Apache-2.0
// TrainingResult: one simulated training step (sim/training_run.hpp) as plain data, and its only I/O:
// training.json (strict reader, lossless round trip) and a Chrome/Perfetto trace with one thread per PP rank.
// No SimGrid, no scenario model (the scenario travels as opaque canonical JSON text, as in RunResult).
//
// training.json, keys in this order, every key required, unknown and duplicate keys rejected:
//   {"format_version": 1, "scenario_name", "schedule", "pp_size", "micro_batches", "num_gpus",
//    "tokens_per_step", "step_s", "pipeline_s", "p2p_s", "tokens_per_s", "mfu", "gpu_hours_per_trillion_tokens",
//    "scenario": {...},
//    "ranks": [{"rank", "layers", "moe_layers", "f_s", "b_s", "w_s", "fb_s", "compute_s", "exposed_comm_s",
//               "bubble_s", "dp_sync_s", "optimizer_s", "end_s",
//               "peak_live_chunks"}...],     // one per PP rank, in rank order
//    "spans": [{"rank", "op", "begin_s", "end_s"}...]}                      // rank by rank, in time order
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace moetwin {

inline constexpr int32_t kTrainingResultFormatVersion = 1;

// One PP rank. Chunk times are those of stage position `rank` (direction 0). compute_s + exposed_comm_s +
// bubble_s = the pipeline's length (pipeline_s); dp_sync_s (reduce-scatter + all-gather, the stage's latest GPU)
// and optimizer_s follow it; end_s = when the rank's stage finished its step.
struct TrainingRank {
    int32_t rank = 0, layers = 0, moe_layers = 0;
    double f_s = 0, b_s = 0, w_s = 0, fb_s = 0;
    double compute_s = 0, exposed_comm_s = 0, bubble_s = 0, dp_sync_s = 0, optimizer_s = 0, end_s = 0;
    int32_t peak_live_chunks                   = 0; // most micro-batch chunks whose activations the rank held at once
    bool operator==(const TrainingRank&) const = default;
};

// One op of a rank: "F0.3", "B1.2", "FB0.5/1.2", ... (pipeline_program.hpp), "reduce_scatter", "optimizer",
// "all_gather".
struct TrainingSpan {
    int32_t rank = 0;
    std::string op;
    double begin_s = 0, end_s = 0;
    bool operator==(const TrainingSpan&) const = default;
};

struct TrainingResult {
    int32_t format_version = kTrainingResultFormatVersion;
    std::string scenario_name;
    std::string schedule; // "1f1b" | "zb1p" | "dualpipe"
    int32_t pp_size = 0, micro_batches = 0, num_gpus = 0;
    int64_t tokens_per_step              = 0;
    double step_s                        = 0; // the latest rank's end
    double pipeline_s                    = 0; // when the last rank finished its pipeline program
    double p2p_s                         = 0; // one PP transfer alone on the route between ranks 0 and 1
    double tokens_per_s                  = 0; // whole cluster
    double mfu                           = 0; // model FLOPs (engine/model_flops.hpp) / (step × GPUs × BF16 peak)
    double gpu_hours_per_trillion_tokens = 0;
    std::string scenario_json            = "{}"; // canonical JSON object of the resolved scenario
    std::vector<TrainingRank> ranks;
    std::vector<TrainingSpan> spans;
    bool operator==(const TrainingResult&) const = default;
};

// Throws ConfigError "<what>" when counts, ranks or span times are inconsistent.
void validate(const TrainingResult& r);
// Validates, then the bytes of training.json (deterministic).
std::string training_result_to_json(const TrainingResult& r);
// Strict: ConfigError "<origin>: <json.path>: <what>".
TrainingResult training_result_from_json(std::string_view text, const std::string& origin);
// Chrome Trace Event JSON: process "pipeline", one thread per PP rank ("stage r"), one complete event per span
// (microseconds).
std::string training_trace_json(const TrainingResult& r);

} // namespace moetwin
