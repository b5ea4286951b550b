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

// The realised routed-expert balance of Summary (result.hpp: gpu_balance_*, node_balance_*,
// node_max_over_min_step) from the plan's routing: (token, expert) selections served by each GPU's
// slots (shared-expert slots included), per main-model MoE layer (the MTP pass left out: no recording
// has it) and summed over those layers; the
// figures `moetwin balance` gives from loads (busy/mean), here from the routed tokens. Sets those
// six fields only; 0 where the plan has no MoE layer. Pure.
void fill_routed_balance(Summary& s, const StepPlan& plan);

} // namespace moetwin::step
