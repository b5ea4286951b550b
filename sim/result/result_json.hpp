// SPDX-License-Identifier: Apache-2.0
// RunResult <-> result.json: lossless, deterministic (same RunResult, same bytes) and strict on reading,
// because the GUI opens result files users hand it. Format reference: sim/result/README.md.
#pragma once

#include "sim/result/result.hpp"

#include <filesystem>
#include <iosfwd>
#include <string>
#include <string_view>

namespace moetwin {

// Format version 3, keys in this order (2-space indent; arrays of numbers and flat objects inside arrays
// on one line; doubles in shortest round-trip form, so they read back bit-identical):
//   {
//     "meta":      {"format_version": 2, "moetwin_version", "scenario", "model", "phase", "seed", "num_nodes",
//                   "gpus_per_node", "num_gpus", "num_layers", "num_micro_batches", "compute_source",
//                   "network_model", "notes": [string...]},
//     "scenario":  {...},                              // RunResult::scenario_json: the resolved scenario, keys sorted
//     "summary":   {"step_time_ns", "tokens_per_step", "tokens_per_s_per_gpu", "tokens_per_s_per_node",
//                   "slowest_gpu", "slowest_gpu_busy_ns", "busiest_link", "max_link_utilisation", "timing_simulated",
//                   "gpu_balance_layer_mean", "gpu_balance_layer_worst", "gpu_balance_step",
//                   "node_balance_layer_mean", "node_balance_step", "node_max_over_min_step"},
//     "op_names":  [string...],                        // Span::op indexes this
//     "gpus":      [{GpuCounters fields by name}...],  // one per GPU, in GPU order
//     "layer_gpu": {"tokens_received": [[int...]...], "compute_ns": [[int...]...]},  // [layers][gpus]
//     "links":     [{"name", "kind", "src", "dst", "capacity_Bps", "bytes", "busy_ns", "utilisation"}...],
//     "experts":   {"num_experts", "slots_per_gpu", "tokens": [[int...]...], "phy2log": [[int...]...]},
//     "spans":     {"columns": ["begin_ns", "end_ns", "layer", "micro_batch", "op"],
//                   "groups": [{"gpu": 0, "lane": "compute", "rows": [[0, 1250, 0, 1, 3], ...]}, ...]}
//   }
// Span groups are one per non-empty (gpu, lane) in (gpu, lane) order; rows are sorted by begin_ns.
// Every key is required; unknown and duplicate keys are rejected.

// Validates `r`, then writes it atomically. Throws ConfigError naming `path` (invalid result, I/O error).
void write_result_json(const RunResult& r, const std::filesystem::path& path);
void write_result_json(const RunResult& r, std::ostream& out); // validates first, same bytes

// Reads, checks every key and type, then validate()s. Throws ConfigError "<file>: <json.path>: expected <what>,
// got <what>", "<file>:<line>:<col>: invalid JSON: ..." or "<file>:<line>:<col>: truncated JSON: ...".
RunResult read_result_json(const std::filesystem::path& path);
RunResult parse_result_json(std::string_view text, const std::string& file_name);

} // namespace moetwin
