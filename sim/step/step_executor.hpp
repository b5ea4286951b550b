// SPDX-License-Identifier: Apache-2.0
// execute_step(): a StepPlan on the process's SimEngine. One actor per GPU walks the plan's program:
// compute stages advance that GPU's own clock, every MoE dispatch and combine is an AllToAllPhase
// (sim/network/all_to_all.hpp) carrying that layer's traffic; with a serial comm lane (prefill,
// sequential) a second actor per GPU runs the phases one after another in signal order. A unit with
// tensor parallelism runs each TP all-reduce (StepPlan::tp) as a ring phase of its group's GPUs,
// in line on the compute lane: after the attention stage (Dense: its attention part; Attn or Attn1 of
// a MoE layer) and after a split MLP, exposed (no schedule overlaps it with other work).
#pragma once

#include "sim/network/all_to_all.hpp"
#include "sim/network/sim_engine.hpp"
#include "sim/published/deepep_generation.hpp"
#include "sim/result/result.hpp"
#include "sim/step/step_plan.hpp"
#include "topologies/routing.hpp"

#include "engine/calibration.hpp"

#include <array>
#include <cstdint>
#include <vector>

namespace moetwin::step {

// One activity as it happened (seconds of simulated time).
struct ExecSpan {
    int gpu        = 0;
    Lane lane      = Lane::Compute;
    double begin_s = 0, end_s = 0;
    int layer = -1, micro_batch = 0;
    Stage stage = Stage::Attn; // compute lane only
    bool notify = false;       // comm lanes, normal mode: notify_dispatch / cached_notify before the transfer
    // Compute lane: the TP all-reduce after `stage` (tp_allreduce.hpp). It runs in line on the compute
    // stream (NCCL and vLLM's custom all-reduce launch on it), so it holds the lane.
    bool allreduce = false;
};

struct StepTrace {
    double step_s = 0; // when the last GPU finished
    std::vector<ExecSpan> spans;
    std::vector<double> link_bytes;         // by 2 * LinkId + (up ? 0 : 1)
    std::vector<double> gpu_bytes_sent;     // [num_gpus] bytes of every flow leg a GPU's route starts (TP rings too)
    std::vector<double> gpu_bytes_received; // [num_gpus] ... ends
    // Fluid backend: every phase's bytes per directed link and when the link drained them (LinkLoad), in
    // phase completion order. Empty with SimGrid flows, which share links between phases (max-min) and
    // report no per-link timing.
    std::vector<LinkLoad> link_busy;
    double platform_wall_s = 0, run_wall_s = 0; // SimEngine::setup_wall_s(), run_wall_s()
    NetworkCalibration calibration;             // the rates the step's kernels ran at (for_kernels of the options')
};

struct ExecOptions {
    // The scenario's network: calibration as the scenario gives it (the executor resolves it for the
    // step's kernels), network.deepep the low-latency routing inside a node (low_latency_policy;
    // clusters without a scale-out network use NVLink either way).
    NetworkOptions network;
    int comm_sms   = 24;      // SMs of the normal kernels (schedule.comm_sms): channel limit
    double hbm_Bps = 3.35e12; // the GPU's HBM bandwidth: the layout kernel (deepep_notify.hpp)
    // Normal-mode kernels' in-situ share of the calibrated rates, [dispatch, combine]: 1 unless the
    // scenario's compute.calibration holds DeepEP figures measured in a trace (in_situ_rate_shares()).
    double normal_rate_share[2] = {1, 1};
};

// [dispatch, combine] in-situ rate shares of a calibration file's DeepEP kernels: per kernel, the mean
// over the traced stages that ran it of measured rate / the network model's rate alone; 1 where the
// file has none.
std::array<double, 2> in_situ_rate_shares(const CalibrationFile* calibration);

// Contract: pure. The scenario's network section as executor options (backend, calibration,
// DeepEP generation, SimGrid model and crosstraffic), schedule.comm_sms and the GPU's HBM.
ExecOptions exec_options_for(const Scenario& s);

// Contract: deterministic in its inputs; constructs the process's one SimEngine, so it runs once
// per process (ConfigError on a second call; tests use run_in_child). `router` must be built
// on the scenario's cluster with at least plan.num_gpus GPUs; ranks map to GPUs 0..num_gpus-1.
// `progress` hears fractions 0.5..0.95 as GPU 0 enters every ~10 % of the layers (simulated order).
StepTrace execute_step(const StepPlan& plan, const Router& router, const ExecOptions& options,
                       const ProgressFn& progress = {});

} // namespace moetwin::step
