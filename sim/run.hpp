// SPDX-License-Identifier: Apache-2.0
// run(): the simulator's one public entry point, scenario in, RunResult out.
#pragma once

#include "sim/result/result.hpp"
#include "sim/scenario.hpp"

namespace moetwin {

// Contract: deterministic in (scenario, seed); never prints; throws ConfigError for inputs it cannot use.
// NOTES: until the step simulator lands (issue 4) the result carries the deployment's static facts
// (GPUs, memory per GPU from the fit) with summary.timing_simulated = false and no spans: it never
// contains invented timings.
RunResult run(const Scenario& scenario);

} // namespace moetwin
