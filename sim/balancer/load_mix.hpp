// SPDX-License-Identifier: Apache-2.0
// Loads that drift within a run (issue 16 item 4): two recorded runs mixed over time, the share of
// the second growing linearly from 0 at the first minute to 1 at the last.
#pragma once

#include "moe/expert_load.hpp"

#include <cstdint>
#include <iosfwd>
#include <vector>

namespace moetwin::balancer {

// Minute m of num_minutes observes, per layer and expert, mean = tokens_per_minute × topk ×
// ((1 − w) share_from + w share_to), w = m / (num_minutes − 1), each run's shares normalised per
// layer; plus Gaussian sampling noise of variance = mean (Poisson-like, as drifting_loads), clamped at 0.
struct MixSpec {
    int num_minutes          = 60;
    double tokens_per_minute = 1e6; // tokens through each MoE layer per minute (as DriftSpec)
    int topk                 = 8;   // reference §1: top-8 routed experts
    std::uint64_t seed       = 1;
    void validate() const; // ConfigError: num_minutes < 2, tokens_per_minute ≤ 0, topk < 1
};

std::ostream& operator<<(std::ostream& os, const MixSpec& m);

// [num_minutes] loads shaped like `from` (ConfigError when `to` differs in shape).
std::vector<ExpertLoad> mixed_loads(const ExpertLoad& from, const ExpertLoad& to, const MixSpec& m);

} // namespace moetwin::balancer
