// SPDX-License-Identifier: Apache-2.0
// Expert loads over a serving day (issue 17 item 4): recorded runs mixed by the hour (sim/balancer/load_mix),
// summed per series interval.
#pragma once

#include "moe/expert_load.hpp"

#include <cstdint>
#include <vector>

namespace moetwin::serving {

// Contract: pure, deterministic in its inputs. `runs` (>= 2, one shape) are per-layer loads (any scale:
// mixed_loads normalises each layer). The day is cut into segments of minutes_per_run minutes; segment i moves
// from runs[i % k] to runs[(i + 1) % k] minute by minute (mixed_loads: linear shares plus Poisson-like noise at
// MixSpec's default 10^6 tokens per minute, seeded with seed + i). Returns one load per interval of
// period_min minutes, the sum of its minutes, for ceil(duration_min / period_min) intervals (the last one may
// run past the duration: it is still a whole period of minutes). ConfigError: fewer than 2 runs, shapes that
// differ, minutes_per_run < 2, period_min < 1, duration_min <= 0.
std::vector<ExpertLoad> interval_loads(const std::vector<ExpertLoad>& runs, int minutes_per_run, int period_min,
                                       double duration_min, int topk, uint64_t seed);

// Contract: pure. The element-wise sum of loads[first, last) (last clamped to loads.size(), first to 0); the
// shape of loads[0]. ConfigError when the range is empty.
ExpertLoad sum_loads(const std::vector<ExpertLoad>& loads, int first, int last);

} // namespace moetwin::serving
