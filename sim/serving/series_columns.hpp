// SPDX-License-Identifier: Apache-2.0
// The columns of a serving replay's series.csv, in order: the writer (serve_output.cpp) prints this header
// and the GUI's reader (gui/serve_data.cpp) requires it, so the two cannot drift apart.
#pragma once

#include <array>

namespace moetwin::serving {

inline constexpr std::array<const char*, 19> kSeriesColumns = {
    "t_s", "arrivals", "input_tokens", "output_tokens", "completed", "prefill_nodes", "decode_nodes", "queued",
    "kv_use", "ttft_p50_s", "ttft_p99_s", "tpot_p50_s", "tpot_p99_s", "hit_tokens",
    // per-GPU expert load (sim/serving/drift/step_drift.hpp): busiest GPU / mean and the step-time factor
    "prefill_expert_busiest_over_mean", "prefill_step_factor", "decode_expert_busiest_over_mean", "decode_step_factor",
    // decode preemptions within the period (serving.kv_policy preempt_recompute)
    "preemptions"};

} // namespace moetwin::serving
