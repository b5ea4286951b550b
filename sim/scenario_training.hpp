// SPDX-License-Identifier: Apache-2.0
// The training scenario (issue 19): workload.phase = "training" with a strict `training` section
// (scenarios/README.md, "Training"). One training step of a pipeline-parallel, expert-parallel, ZeRO data-
// parallel cluster: pp_size stages of the model's layers, each stage's GPUs split into EP groups (the
// deployment.prefill unit is one EP group), micro-batches of one sequence per GPU. Plain data, no JSON
// (sim/scenario_training_json.cpp parses it) and no SimGrid.
#pragma once

#include "common/name_table.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace moetwin {

struct ModelSpec;

enum class PipelineSchedule { OneFOneB, Zb1p, DualPipe };
inline constexpr std::array<NameEntry<PipelineSchedule>, 3> kPipelineSchedules = {{
    {PipelineSchedule::OneFOneB, "1f1b", "one forward, one backward (PipeDream-flush / Megatron)"},
    {PipelineSchedule::Zb1p, "zb1p", "zero-bubble: input and weight gradients split, W fills the bubbles"},
    {PipelineSchedule::DualPipe, "dualpipe",
     "DeepSeek's bidirectional DualPipe with overlapped forward+backward chunk pairs (reference §9)"},
}};
constexpr std::string_view to_string(PipelineSchedule v) {
    return table_name(kPipelineSchedules, v);
}

// Why `micro_batches` cannot run under `schedule` on `pp` ranks ("" when it can): pp ≥ 1, micro_batches ≥ 1;
// 1F1B/ZB1P: micro_batches ≥ pp (fewer leave ranks without a steady state; the README's bubbles assume it);
// DualPipe: pp even and ≥ 2, micro_batches even and ≥ 2·pp (dualpipe.py asserts both).
std::string pipeline_requirement_error(PipelineSchedule schedule, int pp, int micro_batches);

// NOTES: derived (restating them is allowed, contradicting them is a ConfigError): num_gpus = cluster.num_nodes ×
// gpus_per_node; dp_size = num_gpus / (pp_size × ep_size), the expert data-parallel degree (replicas of one
// EP group per stage); attention data parallelism per stage is num_gpus / pp_size; micro_batches =
// global_batch_sequences / (num_gpus / pp_size): every GPU of a stage runs one sequence per micro-batch.
struct TrainingConfig {
    int pp_size                    = 16;
    PipelineSchedule schedule      = PipelineSchedule::DualPipe;
    int64_t sequence_tokens        = 4096;  // tech report §4.2: sequence length 4K in pre-training
    int64_t global_batch_sequences = 15360; // tech report §4.2: the batch size ramps to 15,360
    std::vector<int> layers_per_stage;      // decoder layers (dense first, then MoE) per stage, sum = the model's
    int comm_sms   = 20;                    // tech report §3.2.2: 20 of 132 SMs run the all-to-all
    int zero_stage = 1;                     // ZeRO-1: optimizer states (FP32 master, BF16 moments) sharded
    // Derived.
    int num_gpus      = 0;
    int dp_size       = 0;
    int micro_batches = 0;

    int attention_dp() const { return num_gpus / pp_size; } // GPUs per stage
    bool operator==(const TrainingConfig&) const = default;
};

// The default split of `num_layers` decoder layers over `pp` stages (DeepSeek has not published its split):
// every stage k = ⌈layers / pp⌉ layers except the last, which takes the rest (it also runs the head and the
// MTP module): DeepSeek-V3's 61 layers on PP16 give stage 0 the embedding + 3 dense + 1 MoE layer, stages
// 1–14 four MoE layers, stage 15 one MoE layer + head + MTP. When the rest would be < 1 the layers are
// spread evenly, the first stages taking one more. Pure; requires 1 ≤ pp ≤ num_layers.
std::vector<int> default_layer_split(int num_layers, int pp);

// Parameters one GPU of a training rank holding the stages `stages` (DualPipe: two) stores: routed-expert
// parameters (the stages' routed experts / ep_size, the last stage's MTP MoE layer included) and the rest
// (attention, norms, dense FFN, gate, shared experts, embedding on stage 0, head and MTP projections on the last).
struct RankParams {
    int64_t routed_local = 0, other = 0;
};
RankParams rank_params(const ModelSpec& model, const TrainingConfig& t, int ep_size, const std::vector<int>& stages);

// Per-GPU memory of one training rank holding the stages `stages` (DualPipe: two), in bytes, by part.
// Per parameter (tech report §3.3: BF16 weights for the FP8 casts, FP32 gradients, FP32 master weights and
// BF16 AdamW moments): 2 B weight + 4 B gradient on every GPU, 8 B of optimizer state sharded over the
// parameter's data-parallel degree under ZeRO-1 (routed experts: dp_size; the rest: attention_dp).
// Activations: `live_chunks` micro-batch chunks held at once (the schedule's peak, reference §9: 1F1B/ZB1P PP,
// DualPipe PP + 1, chunks of either of its two stages, counted at their mean), per layer and token what the FP8
// training forward caches (scenario_training.cpp, layer_activation_B: 154 KiB per MoE layer of DeepSeek-V3).
struct TrainingMemory {
    int64_t weights_B = 0, gradients_B = 0, optimizer_B = 0, activations_B = 0;
    int64_t total_B() const { return weights_B + gradients_B + optimizer_B + activations_B; }
};
TrainingMemory training_memory(const ModelSpec& model, const TrainingConfig& t, int ep_size,
                               const std::vector<int>& stages, int live_chunks);

} // namespace moetwin
