// SPDX-License-Identifier: Apache-2.0
// `moetwin sweep --top K`: the best deployments for a target, as NVIDIA's AIConfigurator lists them. With a
// latency target (tokens/s per user at least X, or TPOT at most T ms): the K points meeting it with the most
// tokens/s per GPU. With a throughput target (tokens/s per GPU at least X): the K points meeting it with the
// most tokens/s per user. Without a target: the most tokens/s per GPU. Only points whose verdict is ok.
#pragma once

#include "sim/sweep/sweep_run.hpp"

#include <cstddef>
#include <string>
#include <vector>

namespace moetwin::sweep {

struct TopQuery {
    std::size_t k                    = 0; // 0: no listing
    double min_tokens_per_s_per_user = 0; // 0: none
    double min_tokens_per_s_per_gpu  = 0; // 0: none
    double max_tpot_ms               = 0; // 0: none
};

// Contract: pure. Indices into outcome.points, best first (ties: the lower cost, then the lower point number).
std::vector<std::size_t> top_points(const SweepOutcome& outcome, const TopQuery& q);

// Contract: pure. The listing `moetwin sweep --top` prints: what was asked, then one row per point (rank,
// settings, tokens/s per GPU, per user, per node, $ per million tokens, bottleneck, scenario file).
std::string top_table(const SweepSpec& spec, const SweepOutcome& outcome, const TopQuery& q,
                      const std::vector<std::size_t>& top);

} // namespace moetwin::sweep
