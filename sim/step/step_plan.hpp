// SPDX-License-Identifier: Apache-2.0
// StepPlan: everything about one step that needs no SimGrid: the schedule program, the expert
// placement, every MoE layer's routing and traffic per micro-batch, and the seconds of every compute
// stage on every GPU from the ComputeModel. The executor (step_executor.hpp) only adds time.
#pragma once

#include "engine/compute_model.hpp"
#include "engine/model_spec.hpp"
#include "sim/balancer/placement.hpp"
#include "sim/network/deepep.hpp"
#include "sim/progress.hpp"
#include "sim/scenario.hpp"
#include "sim/step/layer_routing.hpp"
#include "sim/step/rank_batches.hpp"
#include "sim/step/step_program.hpp"
#include "sim/step/tp_allreduce.hpp"

#include <optional>
#include <string>
#include <vector>

namespace moetwin::step {

struct StepPlan {
    ModelSpec model; // truncated to the scenario's layers
    StepProgram program;
    int num_gpus = 0, gpus_per_node = 0, micro_batches = 0;
    int num_dense = 0, num_moe = 0; // num_moe includes the MTP passes
    int num_mtp          = 0;       // MTP passes (decode: workload.mtp_draft_tokens): the last MoE layers
    int tp_size          = 1;
    DeepEpMode comm_mode = DeepEpMode::LowLatency;
    DeepEpShape comm_shape;
    balancer::PlacementSpec placement_spec;
    balancer::Placement placement;     // one layer per MoE layer
    int shared_expert = -1;            // logical id of the shared expert served from slots, -1: none
    std::vector<RankBatch> ranks;      // [dp_size]
    std::vector<LayerRouting> routing; // [num_moe * micro_batches]: MoE layer l, micro-batch m at l * mbs + m
    std::vector<double>
        replica_choice_s;        // like routing: seconds before each dispatch (replica_choice_step.hpp); empty: none
    std::vector<double> stage_s; // [num_gpus][num_layers + 1][micro_batches][kNumStages]; layer -1 at 0
    double output_tokens = 0;    // tokens the step produces, all ranks
    TpCommPlan tp;               // the TP all-reduces of every layer (tp_allreduce.hpp); none at tp_size 1
    std::vector<std::string> notes;

    int num_layers() const { return num_dense + num_moe; }
    bool is_mtp(int layer) const { return layer >= num_layers() - num_mtp; }
    const LayerRouting& route(int layer, int mb) const { // layer: model layer of a MoE layer
        return routing[std::size_t((layer - num_dense) * micro_batches + mb)];
    }
    double& seconds(int gpu, int layer, int mb, Stage s) {
        return stage_s[((std::size_t(gpu) * std::size_t(num_layers() + 1) + std::size_t(layer + 1)) *
                            std::size_t(micro_batches) +
                        std::size_t(mb)) *
                           kNumStages +
                       std::size_t(s)];
    }
    double seconds(int gpu, int layer, int mb, Stage s) const {
        return const_cast<StepPlan*>(this)->seconds(gpu, layer, mb, s);
    }
};

// Contract: pure and deterministic in (scenario, seed); throws ConfigError for what the step
// simulator does not model (overlap with != 2 micro-batches, shared-expert slots it cannot lay out).
// Placement: balancer.policy fitted on the routing popularity, once per run, per MoE layer
// (step_placement.hpp; shared_expert_slots make the shared expert a routed one every token selects,
// and GPUs with shared_experts_per_gpu = 0 run no Shared stage).
// SMs (how overlap is decided): in the prefill overlap program every MoE-layer compute stage runs
// while the serial comm lane is busy by construction of the reference order, so all of them are
// timed with schedule.compute_sms (108); embedding, dense layers, head, the sequential schedule and
// decode (low-latency comm holds no SMs) use every SM of the GPU.
// MTP (decode with workload.mtp_draft_tokens = d > 0 and a model with an MTP module): d passes of the
// MTP module after the main head, each one more MoE layer (model layers num_layers() - d ..): the
// first over the tokens the main model verified (1 + d per request, to extend the module's own KV
// cache), the others over one token per request; each with its own routing and all-to-all, routed
// with the last main MoE layer's popularity and placement (no recorded loads exist for it), and a
// draft head over one row per request. Ops with normal_comm_only run only with the normal all-to-all.
// Tensor parallelism (unit.tp_size = n > 1): attention is split by heads over the n GPUs of a DP rank;
// a dense model's MLP is split too (Megatron: every GPU of the group runs all of the rank's tokens
// through its 1/n of gate_up and down), a MoE model's FFN runs on the GPU's 1/n of the tokens. `tp`
// holds the all-reduces this costs (tp_allreduce.hpp), executed as flows between the stages; none in a
// training chunk pair (its attention is not split).
// `progress` hears fractions 0..0.5, one report per MoE layer routed.
StepPlan plan_step(const Scenario& s, const ComputeModel& compute, const ProgressFn& progress = {});

// Contract: pure. The plan of `s` from `routed`, the plan of a scenario that differs from `s` only in what the
// routing does not see (workload.context, workload.cached_prefix_tokens): its placement and routing kept, the
// ranks' batches, output tokens and compute-stage seconds made anew for `s`. Equal to plan_step(s, compute)
// (routing and placement depend on the tokens each GPU runs per micro-batch, not on their contexts), at a
// fraction of its cost (the routing is most of plan_step's time; sim/step/PERF.md). ConfigError when the tokens
// per GPU and micro-batch differ from the routed plan's, or for a training or offloaded step.
StepPlan restage_step(const StepPlan& routed, const Scenario& s, const ComputeModel& compute);

// What plan_step derives from the scenario alone (also used by the checks `moetwin validate` runs,
// sim/preflight.hpp): MTP passes of `model` (the scenario's truncated model), the schedule's program
// kind, and the all-to-all mode (auto: normal in prefill, low-latency in decode).
int mtp_passes_for(const Scenario& s, const ModelSpec& model);
ProgramKind program_kind_for(const Scenario& s);
DeepEpMode comm_mode_for(const Scenario& s);

// The stage each op of a MoE layer belongs to (Attn0/Attn1 split at the first core-attention op;
// Mlp between the dispatch and combine ops; Shared after the combine or a shared-expert weight);
// std::nullopt for the communication ops. Exposed for tests.
std::vector<std::optional<Stage>> moe_op_stages(const ModelSpec& model);

} // namespace moetwin::step
