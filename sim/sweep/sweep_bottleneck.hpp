// SPDX-License-Identifier: Apache-2.0
// What limits a simulated step, from its timeline (the spans of every GPU's compute, dispatch and combine
// lanes). Four times, each averaged over the unit's GPUs:
//   compute_ns           the compute lane's busy time (overlapping spans counted once);
//   exposed_dispatch_ns  dispatch-lane time not hidden under compute (the union of compute and dispatch minus
//                        compute's): what the overlap schedule failed to hide;
//   exposed_combine_ns   combine-lane time not hidden under compute or dispatch;
//   imbalance_ns         the busiest GPU's compute time minus the mean GPU's: how long the mean GPU waits, at
//                        the all-to-alls, for the busiest one (routed-token imbalance, placement).
// The bottleneck is the largest of the four (ties: in that order). Each is roughly what the step would lose
// if that part vanished; they are not a partition of the step time (waits also sit inside exposed comm).
#pragma once

#include "sim/result/result.hpp"

#include <cstdint>
#include <string>

namespace moetwin::sweep {

struct Bottleneck {
    int64_t compute_ns          = 0;
    int64_t exposed_dispatch_ns = 0;
    int64_t exposed_combine_ns  = 0;
    int64_t imbalance_ns        = 0;
    std::string name; // "compute" | "dispatch" | "combine" | "imbalance"; "" when the run has no timeline
};

// Contract: pure. Requires r's spans sorted (as every RunResult's are). No spans: all zero and name "".
Bottleneck bottleneck_of(const RunResult& r);

} // namespace moetwin::sweep
