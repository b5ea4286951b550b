// SPDX-License-Identifier: Apache-2.0
// route_layer(): one MoE layer and micro-batch of routing, SimGrid-free. Every token's top-k logical
// experts under DeepSeek-V3's group-limited gate and the node limit M, then the replica (physical
// slot) serving each selection by the dispatch policy, summed into the layer's traffic matrix.
#pragma once

#include "moe/gate.hpp"
#include "sim/balancer/dispatch.hpp"
#include "sim/balancer/placement.hpp"
#include "sim/network/traffic_matrix.hpp"

#include <cstdint>
#include <span>
#include <vector>

namespace moetwin::step {

// Tokens sampled individually per GPU and micro-batch; beyond this a sampled token stands for a
// bundle of identical tokens (prefill: 8,192 tokens per micro-batch -> bundles of 8). Decode batches
// (<= 1,024 tokens per GPU and micro-batch) are sampled token by token.
inline constexpr int64_t kMaxSampledTokensPerGpu = 1024;

struct LayerRoutingInput {
    GateSpec gate;
    int node_limit = 4;              // M
    std::span<const double> weights; // [num_experts] popularity of this layer (> 0 after flooring)
    const balancer::Placement* placement = nullptr;
    const balancer::PlacementSpec* spec  = nullptr;
    int layer                            = 0; // MoE layer index into the placement
    balancer::DispatchFn dispatch        = nullptr;
    std::span<const int64_t> tokens_per_gpu; // [num_gpus] tokens each GPU dispatches
    int gpus_per_node           = 8;
    uint64_t seed               = 1;
    uint64_t stream             = 0; // distinct per (layer, micro-batch)
    int64_t max_samples_per_gpu = kMaxSampledTokensPerGpu;
    // Logical expert every token selects besides its top-k (the shared expert served from routed
    // slots, placement expert id num_experts); -1: none.
    int shared_expert = -1;
    // > 0: the realised per-expert loads are held to `weights` (popularity_fit.hpp: prepare_layer
    // fits the sampler's weights on this many sampled tokens, route_layer controls them while it
    // draws); 0: `weights` are the sampler's weights as given.
    int64_t fit_samples = 0;
};

struct LayerRouting {
    TrafficMatrix traffic;
    std::vector<int64_t> slot_selections;   // [num_slots] (token, expert) pairs each physical slot serves
    std::vector<int64_t> expert_selections; // [placement experts] tokens routed to each logical expert
    int64_t num_tokens         = 0;
    int64_t node_limit_relaxed = 0; // tokens for which the node limit could not be met (see NOTES)
};

// The routed-expert work of one GPU in one layer and micro-batch, from its slots (spec.first_slot(gpu)
// and the spec.slots_on_gpu(gpu) that follow; the count may differ by one between GPUs).
struct GpuExpertWork {
    int64_t selections        = 0; // (token, expert) pairs the GPU's slots serve
    int64_t experts_used      = 0; // slots serving at least one pair (the grouped GEMM's groups)
    int64_t tokens_per_expert = 0; // ⌈selections / experts_used⌉, 0 when none is used (its M per group)
};

// Contract: pure; r.slot_selections holds spec.num_slots entries and 0 ≤ gpu < spec.num_gpus.
GpuExpertWork gpu_expert_work(const LayerRouting& r, const balancer::PlacementSpec& spec, int gpu);

// Contract: pure and deterministic in its input. Every token gets gate.topk distinct logical
// experts (tokens are conserved: sum(expert_selections) = sum(slot_selections) = topk x tokens),
// plus shared_expert when set (then topk + 1 selections per token, its replica by the dispatch policy).
// Sampling: the gate law of moe/gate_law.hpp (its reference sampler, draw_gate_token, states
// it step by step), drawn fast by draw_gate_tokens (gate_sampler.hpp): topk_groups groups drawn
// without replacement with probability proportional to the group's weight, then experts drawn in
// those groups proportional to their weight; the draw order is the token's score order.
// Node limit (the exact rule): an expert's node is the node of its first replica; walking the draws
// in order, an expert is accepted if its node is already among the token's nodes or the token has
// fewer than M nodes, otherwise it is skipped (greedy top-M nodes by best score, not the tech
// report's sum of the best K/M scores per node).
// NOTES: if no eligible expert remains for a pick, the limit is lifted for that pick (the token
// may open one more node; counted once per token in node_limit_relaxed). Bundles (see kMaxSampledTokensPerGpu) share
// one expert set and one replica choice, so counts are exact sums but spread a little more than token-by-token sampling
// would. The replica chosen by the dispatch policy may sit on another node than the first replica, so with redundant
// experts the limit holds for logical homes, not wire nodes.
LayerRouting route_layer(const LayerRoutingInput& in);

struct LayerGate; // layer_gate.hpp
// Contract: `prepared` = prepare_layer(x) for an x that differs from `in` at most in the values of
// tokens_per_gpu, seed, stream, max_samples_per_gpu and shared_expert. Without prepared.control
// the same result as route_layer(in). With it (fit_samples > 0), the controller's state carries
// from call to call, so that a layer's micro-batches together follow `weights`: the result then
// depends on the calls made before with the same `prepared` (route them in micro-batch order).
LayerRouting route_layer(const LayerRoutingInput& in, LayerGate& prepared);

} // namespace moetwin::step
