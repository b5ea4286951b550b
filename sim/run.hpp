// SPDX-License-Identifier: Apache-2.0
// run(): the simulator's one public entry point, scenario in, RunResult out.
#pragma once

#include "sim/progress.hpp"
#include "sim/result/result.hpp"
#include "sim/scenario.hpp"

namespace moetwin {

// Contract: deterministic in (scenario, seed); never prints; throws ConfigError for inputs it cannot
// use. Simulates one full step of the active unit (sim/step/): routing, placement, compute from the
// calibrated roofline or the profile database (compute.source), every dispatch and combine through
// the scenario's network backend and calibration on SimGrid, the scenario's overlap schedule.
// summary.timing_simulated = true; meta.notes say which models were used. `progress`, when given,
// hears the start (0), planning per MoE layer (to 0.5), the SimGrid run every ~10 % of the layers
// (to 0.95) and the end (1).
// NOTES: constructs the process's one SimGrid Engine, so it runs once per process (tests that need
// several runs fork, see sim/network/subprocess.hpp).
RunResult run(const Scenario& scenario, const ProgressFn& progress = {});

} // namespace moetwin
