// SPDX-License-Identifier: Apache-2.0
// The run pipeline, scenario in, RunResult out, in three named stages that every caller goes
// through (`moetwin run`, `moetwin bench step`, the calibration's window check; the GUI's what-if
// panel runs `moetwin run`):
//
//   RunPlan plan          = plan_run(scenario);       // no SimGrid: compute model, memory fit,
//                                                      // routing, placement, stage times, cluster
//   step::StepTrace trace = execute_run(plan);        // the process's one SimGrid engine
//   RunResult result      = assemble_run(plan, trace); // the shared result model, meta and GPUs included
//
// run() is the three in a row and reports their wall times (StageTimes) to whoever asks (the bench).
#pragma once

#include "sim/progress.hpp"
#include "sim/result/result.hpp"
#include "sim/scenario.hpp"
#include "sim/step/step_executor.hpp"
#include "sim/step/step_plan.hpp"
#include "topologies/routing.hpp"
#include "topologies/topology.hpp"

#include <cstdint>
#include <memory>
#include <string>

namespace moetwin {

// Everything about a run decided before SimGrid starts. Move-only (the router points into the
// topology, both on the heap).
struct RunPlan {
    step::StepPlan step;
    std::unique_ptr<const Topology> topology; // the scenario's cluster
    std::unique_ptr<const Router> router;     // on *topology
    step::ExecOptions exec;                   // the scenario's network, with the in-situ rate shares
    RunMeta meta;                             // the result's header: scenario, sources, notes
    int64_t hbm_used_bytes = 0;               // per GPU, from the memory fit
    std::string scenario_json;                // RunResult::scenario_json: what was run, for --from-result
};

// Wall seconds of each stage of one run (the bench's figures; not part of any result).
struct StageTimes {
    double plan_s     = 0; // plan_run()
    double execute_s  = 0; // execute_run(), of which:
    double platform_s = 0; //   SimGrid engine, platform, fabric and actors (StepTrace::platform_wall_s)
    double simulate_s = 0; //   the simulation itself (StepTrace::run_wall_s)
    double assemble_s = 0; // assemble_run()
    double total_s() const { return plan_s + execute_s + assemble_s; }
};

// Contract: deterministic in (scenario, seed); never prints; throws ConfigError for inputs it cannot
// use (a profile of another model, an unreadable calibration, a unit that does not fit in GPU memory
// unless allow_not_fitting). Loads the compute model (the calibrated roofline, or the profile
// database when compute.source = profile), fits the unit in memory, plans the step (sim/step/
// step_plan.hpp), builds the cluster and resolves the executor's options, and writes every note the
// result's meta carries. `progress` hears the start (0) and planning per MoE layer (to 0.5).
RunPlan plan_run(const Scenario& scenario, const ProgressFn& progress = {});

// Contract: deterministic. Turns `plan` (plan_run of a scenario) into the plan of `scenario`, a scenario that
// differs from it only in workload.context and workload.cached_prefix_tokens (the step-time grid's shapes of one
// batch, sim/serving/step_model/): the routing and placement kept, the batches and compute stages planned anew
// (step::restage_step), so that execute_run gives what run(scenario) gives at a fraction of plan_run's cost.
// The meta's notes stay the first scenario's (the memory fit's margin among them). ConfigError as restage_step.
void restage_run(RunPlan& plan, const Scenario& scenario);

// Contract: deterministic in the plan. Simulates the step on SimGrid (sim/step/step_executor.hpp):
// every dispatch and combine through the scenario's network backend and calibration, the overlap
// schedule of the plan. `progress` hears the SimGrid run every ~10 % of the layers (0.5 to 0.95).
// NOTES: constructs the process's one SimEngine (sim/network/sim_engine.hpp), so it runs once per
// process (ConfigError on a second call; tests that need several runs fork, sim/network/subprocess.hpp).
step::StepTrace execute_run(const RunPlan& plan, const ProgressFn& progress = {});

// Contract: pure. The whole RunResult of the executed plan: meta and per-GPU counters included,
// summary.timing_simulated = true (sim/step/step_result.hpp).
RunResult assemble_run(const RunPlan& plan, const step::StepTrace& trace);

// plan_run, execute_run and assemble_run in a row; `progress` also hears the end (1); `times`, when
// given, receives each stage's wall time. Same NOTES as execute_run.
RunResult run(const Scenario& scenario, const ProgressFn& progress = {}, StageTimes* times = nullptr);

} // namespace moetwin
