// SPDX-License-Identifier: Apache-2.0
// The scenario of one serving pool's unit, as the step simulator runs it for that pool's step-time model.
#pragma once

#include "sim/scenario.hpp"

namespace moetwin::serving {

// Contract: pure; `s` has a serving section. `s` with workload.phase = `phase`, no serving section, and:
//  * prefill: deployment.prefill's unit (colocated, or without one: the decode unit) stepping
//    serving.prefill_tokens_per_rank tokens per rank (colocated: serving.chunk_tokens);
//  * the pool's own routing and balancer (serving.prefill / serving.decode "routing", "balancer") in place of
//    the scenario's where given; colocated, the one pool is serving.decode, for both phases.
// Schedule and network stay the scenario's (network.all_to_all "auto" picks normal mode for prefill and
// low-latency for decode). Everything that differs between pools is in the returned scenario, hence in the
// step-model cache key (keyed_scenario_json, step_grid_build.hpp).
Scenario pool_unit_scenario(const Scenario& s, Phase phase);

} // namespace moetwin::serving
