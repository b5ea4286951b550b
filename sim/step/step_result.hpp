// SPDX-License-Identifier: Apache-2.0
// fill_step_result(): a simulated step (plan + trace) into the shared RunResult: spans, per-GPU
// counters, per-layer matrices, link bytes and utilisation, expert loads and placement, summary.
#pragma once

#include "sim/network/network_calibration.hpp"
#include "sim/result/result.hpp"
#include "sim/step/step_executor.hpp"
#include "sim/step/step_plan.hpp"
#include "topologies/topology.hpp"

namespace moetwin::step {

// Contract: `r.meta` and `r.gpus` (with gpu/node/local_rank/hbm) are already set for plan.num_gpus
// GPUs; fills the rest and sets summary.timing_simulated = true. Deterministic (sorted spans, links in
// LinkId order). Times are rounded to integer ns once, here. `calib` is the scenario's; link
// capacities use trace.calibration, the same resolved for the step's kernels (SMs, CPU proxy).
// Normal-mode comm spans come in pairs: "notify_dispatch" / "cached_notify", then the transfer.
void fill_step_result(RunResult& r, const StepPlan& plan, const StepTrace& trace, const Topology& topo,
                      const NetworkCalibration& calib);

} // namespace moetwin::step
