// SPDX-License-Identifier: Apache-2.0
// Tensor parallelism's communication in the step: the all-reduce of a layer's activations over the
// GPUs of one TP group (one DP rank), as the flows of a ring over the scenario's fabric.
//
// Which layers pay what (Megatron-LM, Shoeybi et al. 2019, §3 and Fig. 4: "g" is an all-reduce):
//  - a model whose MLP is split by TP (a dense model: engine/ffn_ops.cpp shards gate_up by columns and
//    down by rows) all-reduces twice per layer: after attention's row-parallel o_proj and after the
//    MLP's row-parallel down projection; every GPU of the group then holds all of the rank's tokens;
//  - a model with attention TP only (DeepSeek's deployments: the FFN or MoE after attention runs on
//    the GPU's 1/tp of the tokens, rank_batches.hpp gpu_share) reduce-scatters after o_proj and
//    all-gathers before the next attention: in a ring that is the bytes and the 2(n-1) steps of one
//    all-reduce, placed here after attention.
// Bytes of one all-reduce: the group's tokens in the micro-batch x hidden x kTpActivationBytes.
// Algorithm: ring (NCCL's default outside NVSwitch multicast): in 2(n-1) steps every GPU sends
// 2(n-1)/n of the bytes to its ring successor. Modelled as one phase of n flows, GPU i -> i+1 mod n,
// each 2(n-1)/n x bytes, so the fabric's contention (PCIe switches, host bridge, other groups) applies,
// plus 2(n-1) - 1 further step latencies (the slowest ring hop's route latency) before the bytes move.
// NOTES: NVLink SHARP (NVLS, NCCL >= 2.17 on NVSwitch systems) reduces in the switch and halves the bytes
// each GPU sends; it is not modelled (no published H800 figure to check it against), so on NVSwitch
// nodes the ring is an upper bound. No NCCL kernel launch or protocol cost beyond the link latencies.
// The vocabulary-parallel embedding and head of a dense model are not split (engine/ op lists), so
// their all-reduce / all-gather is not added either.
#pragma once

#include "sim/network/all_to_all.hpp"
#include "sim/network/flow_set.hpp"
#include "topologies/routing.hpp"

#include <cstdint>
#include <span>
#include <vector>

namespace moetwin::step {

// BF16 hidden states: vLLM, SGLang and TensorRT-LLM all-reduce the TP partial sums in the model's
// activation dtype, BF16 for every model of the catalogue (FP8 and INT4 weights still produce BF16
// GEMM outputs); the same width as the step's BF16 combine payload (engine/ffn_ops.cpp).
inline constexpr double kTpActivationBytes = 2;

// The TP all-reduces of a step; all zero when the unit has tp_size == 1.
struct TpCommPlan {
    int group_size      = 1; // GPUs per TP group: GPUs g*n .. g*n+n-1 form group g (rank_batches.hpp)
    int per_dense_layer = 0; // after attention (and after the MLP when it is split): 0, 1 or 2
    int per_moe_layer   = 0; // after attention: 0 or 1 (MoE layers never split their experts by TP)
    // Bytes one all-reduce reduces, per (MoE pass, DP rank, micro-batch): [pass][rank * mbs + mb]. Pass 0:
    // the model's layers, pass k: MTP pass k (one token per request).
    std::vector<std::vector<double>> bytes;
    // Seconds of the attention part of Stage::Dense (before the first all-reduce), [gpu][dense layer][mb].
    std::vector<double> dense_attn_s;

    bool enabled() const { return group_size > 1 && (per_dense_layer > 0 || per_moe_layer > 0); }
};

// Contract: pure. Bytes one all-reduce of `tokens` hidden states of width `hidden` reduces.
double tp_allreduce_bytes(int64_t tokens, int64_t hidden);

// Contract: pure. The ring all-reduce of `bytes` over `gpus` (topology GPU indices, ring order) as one
// phase: rank i sends 2(n-1)/n x bytes to rank (i + 1) mod n along the router's NVLink-first route. Ranks
// index `gpus`. Empty for fewer than 2 GPUs or no bytes.
FlowSet ring_allreduce_flows(const Router& router, std::span<const int> gpus, double bytes);

// Contract: pure. The phase options of a ring all-reduce over the flows above: overhead_s = (2(n-1) - 1)
// x the slowest ring hop's route latency (the fluid model adds one route latency itself), every rank
// waits for its sends and receives.
PhaseOptions ring_allreduce_options(const FlowSet& ring, const Topology& topo);

// Contract: pure. The uncontended ring all-reduce time on n GPUs whose ring hops each drain
// bandwidth_Bps and take step_latency_s: 2(n-1) x step_latency_s + 2(n-1)/n x bytes / bandwidth_Bps.
double ring_allreduce_s(int n, double bytes, double bandwidth_Bps, double step_latency_s);

} // namespace moetwin::step
