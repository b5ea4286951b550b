// SPDX-License-Identifier: Apache-2.0
// `moetwin run` on a training scenario (issue 19): one pre-training step of PP × EP × ZeRO data parallelism.
//
//   1. Chunk kinds. Stage s holds layers_per_stage[s] decoder layers (dense first); its MoE layers (the last
//      stage: + the MTP module's MoE layer) run as one simulated DualPipe chunk pair (schedule
//      dualpipe_chunk_pair, the EP group of deployment.prefill, training.comm_sms SMs): F, B, W and F&B from
//      chunk_times_from_trace. Stages with the same MoE-layer count share one simulation (same shapes, same
//      balanced traffic: sim/step/training_chunk_times.hpp's aggregation), each in its own child process
//      (SimGrid: one engine per process, sim/network/subprocess.hpp).
//   2. Stage extras, from the compute model's roofline at one sequence of sequence_tokens on compute SMs, added
//      to every op of the stage (no all-to-all to overlap with): dense layers (F: their forward ops; B: the
//      training ops of engine/training_ops.hpp deriving from them with pass Recompute or InputGrad; W: pass
//      WeightGrad), the embedding (stage 0), the head and MTP projections (last stage; ops without a training
//      op of their own: B = F, and W = F when the op has weights — the GEMM transposed). Sampling is excluded
//      (training computes a loss; its cost is the head's softmax, not modelled).
//   3-5. One SimGrid simulation of the cluster's fabric (sim/training_fabric.hpp: sim/step/pipeline_actors.hpp,
//      training_dp_sync.hpp), in a child process. The schedule's per-stage programs (pipeline_program.hpp) run
//      by one actor per PP rank of a representative pipeline, on the first GPU of each stage (stage-major
//      placement: rank r holds GPUs [r·G/PP, (r+1)·G/PP)). Every PP transfer (sequence_tokens × hidden × 2 B,
//      BF16 activations or gradients) is a flow between the two GPUs over the fabric's route, sharing links with
//      the rank's other PP transfers (DualPipe: dualpipe.py's commits, deferred sends and waits; 1F1B/ZB1P:
//      eager sends). When a rank's program ends, every GPU of its stage (one actor each) runs the ZeRO-1 sync as
//      ring flows: reduce-scatter of FP32 gradients over the routed-expert group (dp_size) then the other
//      parameters' (num_gpus / pp_size), the optimizer step from the HBM roofline (per sharded parameter 4 B
//      gradient + 4 B master + 4 B moments read, 4 B master + 4 B moments + 2 B weight written, at
//      hbm_bandwidth × RooflineEfficiency::gemm_memory), and the BF16 all-gather over the same groups.
//      Aggregated: the 128 pipelines of DeepSeek's step are identical (balanced routing, the same chunk times),
//      so one represents them all; the DP rings run on every GPU. The EP all-to-all's own NIC traffic (inside
//      the chunk times, from the chunk-pair simulation) loads the rank GPU's NIC during each op at its mean rate
//      (pipeline_actors.hpp), so the PP transfers share the NIC with it; DualPipe transfers only between its ops
//      (dualpipe.py waits for them), so there they never overlap. The DP sync is not overlapped with the
//      pipeline (DeepSeek does not say it overlaps them).
//   Step = the latest rank's end.
#pragma once

#include "sim/progress.hpp"
#include "sim/result/training_result.hpp"
#include "sim/scenario.hpp"
#include "sim/step/pipeline_sim.hpp"

namespace moetwin {

// Chunk times of one stage position: the op seconds (F, B, W, F&B) and their compute-only part (no exposed
// all-to-all; compute.fb_s = compute f + b + w).
struct StageChunks {
    int moe_layers = 0, dense_layers = 0;
    step::ChunkTimes total, compute;
    double nic_bytes_per_chunk = 0; // per GPU: what a forward or a backward chunk's all-to-alls send out of its NIC
};

// The distinct MoE-layer counts of the stages' chunk pairs (the last stage's MTP MoE layer included), ascending;
// and the prefill scenario that simulates the chunk pair of `moe_layers` of them (cluster: the EP group's nodes).
std::vector<int> training_chunk_kinds(const Scenario& s);
Scenario training_chunk_scenario(const Scenario& s, int moe_layers);

// Contract: `s.training` set. Deterministic in the scenario; runs one child process per distinct chunk kind
// (the parent creates no SimGrid engine, so it may be called from a process that later runs one).
std::vector<StageChunks> training_stage_chunks(const Scenario& s, const ProgressFn& progress = {});

// Contract: deterministic in the scenario and the chunk times; steps 3–5 in one child process (SimGrid).
TrainingResult assemble_training(const Scenario& s, const std::vector<StageChunks>& stages);

// training_stage_chunks then assemble_training.
TrainingResult run_training(const Scenario& s, const ProgressFn& progress = {});

} // namespace moetwin
