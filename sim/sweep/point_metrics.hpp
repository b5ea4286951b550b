// SPDX-License-Identifier: Apache-2.0
// What a sweep keeps of one simulated point, and its cache entry: <sweep out>/points/<key>.json, keyed by a
// hash of the point's resolved scenario (sim/scenario_json_write.cpp's canonical text) and the moetwin
// version, holding that scenario (which reproduces the point: `moetwin run` takes it after extracting
// "scenario") and the figures below.
#pragma once

#include "sim/result/result.hpp"
#include "sim/scenario.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace moetwin::sweep {

struct PointMetrics {
    bool ok = true;     // false: the run failed (its ConfigError's message in `reason`)
    std::string reason; // why not ok
    int64_t step_time_ns        = 0;
    int64_t tokens_per_step     = 0;
    double tokens_per_s_per_gpu = 0;
    // Output tokens per second per request, decode only: (1 + draft_tokens × acceptance_rate) / step time,
    // i.e. 1 / TPOT with MTP's accepted drafts (each request emits one token per step plus its accepted
    // drafts). NaN for prefill (no per-user output rate).
    double tokens_per_s_per_user = 0;
    double busiest_gpu_ratio     = 0; // routed tokens on the busiest GPU / mean, over the step (gpu_balance_step)
    double tokens_per_s_per_node = 0; // `moetwin run`'s throughput per node of the unit
    // What limits the step (sweep_bottleneck.hpp: the rule), with its four times averaged over GPUs.
    std::string bottleneck;
    int64_t compute_ns          = 0;
    int64_t exposed_dispatch_ns = 0;
    int64_t exposed_combine_ns  = 0;
    int64_t imbalance_ns        = 0;
};

// Contract: pure. The figures of a finished run of `s`.
PointMetrics metrics_of(const Scenario& s, const RunResult& r);

// Contract: pure. The cache key: FNV-1a 64 of "<version>\n<resolved scenario text>", 16 hex digits.
std::string cache_key(const std::string& resolved_scenario, const std::string& version);

// The cache entry's text (JSON; doubles round-trip exactly) and its strict reader. read_cache_entry returns
// nullopt when the entry was written for another scenario or version (a hash collision or an old file);
// a malformed file is a ConfigError naming it.
std::string cache_entry_text(const PointMetrics& m, const std::string& resolved_scenario, const std::string& version);
std::optional<PointMetrics> read_cache_entry(const std::string& text, const std::string& file,
                                             const std::string& resolved_scenario, const std::string& version);

} // namespace moetwin::sweep
