// SPDX-License-Identifier: Apache-2.0
// Expert offloading in the step (issue 20 item 4; scenario key `offload`, sim/scenario_offload.hpp).
#pragma once

#include "moe/expert_load.hpp"
#include "sim/scenario.hpp"
#include "sim/step/step_plan.hpp"

#include <cstdint>

namespace moetwin::step {

struct OffloadStats {
    int resident_experts_per_gpu = 0; // per MoE layer (from the memory fit or the scenario)
    int slots_per_gpu            = 0;
    int64_t expert_bytes         = 0; // one routed expert of one layer
    double history_hit_rate      = 0; // the policy over the sampled history, every GPU and main MoE layer
    double step_hit_rate         = 0; // this step's activated experts found resident
    double fetched_bytes         = 0; // host -> GPU weight bytes in the step (fetch), all GPUs
    double cpu_flops             = 0; // expert FLOPs the CPUs run in the step (compute_on_cpu), all nodes
    double added_s               = 0; // seconds added to MLP stages, summed over GPUs, layers and micro-batches
    double hidden_s              = 0; // fetch seconds prefetch hid behind compute, same sum
};

// Contract: called by plan_step on a plan whose routing and stage seconds are complete, when
// s.offload.enabled. For every main MoE layer and GPU: the policy (simulate_residency over
// s.offload.history_steps sampled steps, Rng(seed, layer and GPU stream), mean selections from `pop` and
// the step's tokens) decides the resident experts (capacity = the fit's resident count); this step's
// activated slots that are not resident are missed once per layer (later micro-batches reuse them).
// fetch: a micro-batch's missed weights cross each GPU's PCIe link (gpu.pcie_bandwidth_Bps) and the node's
// shared host limit (min of host memory and host bridge bandwidth) fluidly (shared_link_finish_s); with
// prefetch the fetch starts with the previous layer's MoE compute (perfect prediction of the experts:
// an upper bound), hidden behind that layer's Mlp + Shared (or Dense) and this layer's Attn stage;
// what is not hidden is added to the Mlp stage. compute_on_cpu: the node's CPU runs every missed expert
// as one roofline max(FLOPs / (cores × FLOP/s per core), weight bytes / host memory bandwidth), its tokens
// crossing PCIe both ways (BF16); the Mlp stage becomes the longer of the GPU's and the CPU's path.
// MTP layers keep their experts resident. Appends one note; returns the totals.
OffloadStats apply_offload(StepPlan& p, const Scenario& s, const ExpertLoad& pop);

} // namespace moetwin::step
