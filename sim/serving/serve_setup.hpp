// SPDX-License-Identifier: Apache-2.0
// From a scenario with a `serving` section to the replay's inputs, and the replay into an output folder.
#pragma once

#include "sim/scenario.hpp"
#include "sim/serving/replay.hpp"

#include <cstdint>
#include <filesystem>
#include <string>

namespace moetwin::serving {

// Contract: the replay inputs of `s` (it must have a serving section): per pool its unit's nodes, GPUs, DP
// ranks, the decode ranks' KV capacity from the memory fit (engine/memory_fit.hpp, as `moetwin fit` reports
// it), a rank's IB bandwidth, the KV bytes per token, MTP from workload.mtp, the seed. The step models are
// borrowed (prefill: disaggregated prefill units, or the colocated unit's prefill chunks). Throws ConfigError
// naming the scenario when the decode unit has no KV room.
ReplayInputs replay_inputs(const Scenario& s, const StepTimeModel& prefill, const StepTimeModel& decode);

// Replays `src` on `in` and writes dir/requests.csv (streamed; only when in.config.requests_csv),
// dir/summary.json and dir/series.csv, each atomically (common/atomic_file.hpp): a replay that throws leaves
// no requests.csv and no summary behind. trace_every > 0: also dir/trace.json, the lifecycles of every
// trace_every-th request (serve_trace.hpp), its process named `title`.
ReplaySummary serve_to_dir(const ReplayInputs& in, RequestSource& src, const std::filesystem::path& dir,
                           int64_t trace_every = 0, const std::string& title = "serve");

} // namespace moetwin::serving
