// SPDX-License-Identifier: Apache-2.0
// fit_layer_gate(): a MoE layer's sampler made to reproduce its popularity (a recorded load row)
// in route_layer's realised per-expert loads, in two parts:
//  1. a coarse law fit: one round of fit_marginals on the sampler itself
//     (draw_gate_tokens: the group-limited gate and the node limit of this placement) on a small
//     sample, its multiplicative step taken unevaluated. Group-limited top-k without replacement
//     distorts recorded loads used as weights (issue 12: 48 % of layer 30's selections in group 0
//     where the recording has 37 %; 9 % TV per layer on the EP144 decode scenario); one step takes
//     out most of it, leaving the fit sample's noise (about 3 % TV at kFitSamples), which part 2
//     removes;
//  2. a LoadController on the fitted weights (load_control.hpp says what it does
//     physically), which route_layer runs while it draws the layer's micro-batches, so that the
//     layer's totals follow the recording to well under 1 % TV at the step's token count.
// Used for file popularity only (step_plan.cpp); other popularities keep the plain sampler.
#pragma once

#include "moe/gate.hpp"
#include "moe/marginal_fit.hpp"
#include "sim/step/layer_gate.hpp"

#include <cstdint>
#include <span>

namespace moetwin::step {

struct LayerFitStats {
    int rounds        = 0; // realised-share evaluations of the coarse fit
    double tv_initial = 0; // TV(realised, target) with the target as weights, on the fit sample
    double tv_final   = 0; // ... with the best weights evaluated
};

// Sampled tokens per evaluation and evaluations of the coarse fit. Measured on the recorded-load
// scenarios (EP144 decode, 36,864 tokens a layer; EP32 prefill): with the controller, 1 round of
// 4,096 tokens gives 0.43 % / 0.32 % mean TV per layer and 2 rounds the same within 0.01 %, for
// 0.05 s more planning on the decode step (a round costs as much as routing its tokens).
inline constexpr int64_t kFitSamples = 4096;
inline constexpr int kFitRounds      = 1;

// Contract: `prepared` = prepare_layer() of the layer with `target` [num_experts] as weights;
// replaces prepared.w and prepared.tables with the fitted weights and sets prepared.control to a
// controller on them. Deterministic in (target, prepared's homes, g, node_limit, samples, seed,
// stream): every round draws the same tokens (common random numbers), so the fit converges on one
// sample rather than chasing noise.
LayerFitStats fit_layer_gate(LayerGate& prepared, const GateSpec& g, int node_limit, std::span<const double> target,
                             int64_t samples, uint64_t seed, uint64_t stream,
                             const MarginalFitSpec& spec = {kFitRounds, 0.0, true});

} // namespace moetwin::step
