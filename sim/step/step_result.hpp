// SPDX-License-Identifier: Apache-2.0
// step_result(): a simulated step (plan + trace) as the shared RunResult: meta, spans, per-GPU
// counters, per-layer matrices, link bytes and utilisation, expert loads and placement, summary.
#pragma once

#include "sim/published/network_calibration.hpp"
#include "sim/result/result.hpp"
#include "sim/step/step_executor.hpp"
#include "sim/step/step_plan.hpp"
#include "topologies/topology.hpp"

namespace moetwin::step {

// Contract: pure and deterministic (sorted spans, links in LinkId order); the whole result but its
// scenario_json. `meta` is the run's header (scenario, model, phase, seed, sources, notes); its counts
// (num_nodes, gpus_per_node, num_gpus, num_layers, num_micro_batches) are set here from the plan, and
// r.gpus holds one GpuCounters per plan GPU (node and local rank from plan.gpus_per_node, HBM use
// `hbm_used_bytes` each). Sets summary.timing_simulated = true. Times are rounded to integer ns once,
// here. `calib` is the scenario's; link capacities use trace.calibration, the same resolved for the
// step's kernels (SMs, CPU proxy). Normal-mode comm spans come in pairs: "notify_dispatch" /
// "cached_notify", then the transfer.
RunResult step_result(const StepPlan& plan, const StepTrace& trace, const Topology& topo,
                      const NetworkCalibration& calib, RunMeta meta, int64_t hbm_used_bytes);

// The realised routed-expert balance of Summary (result.hpp: gpu_balance_*, node_balance_*,
// node_max_over_min_step) from the plan's routing: (token, expert) selections served by each GPU's
// slots (shared-expert slots included), per main-model MoE layer (the MTP pass left out: no recording
// has it) and summed over those layers; the
// figures `moetwin balance` gives from loads (busy/mean), here from the routed tokens. Sets those
// six fields only; 0 where the plan has no MoE layer. Pure.
void fill_routed_balance(Summary& s, const StepPlan& plan);

} // namespace moetwin::step
