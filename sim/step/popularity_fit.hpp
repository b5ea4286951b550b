// SPDX-License-Identifier: Apache-2.0
// fit_layer_gate(): a MoE layer's sampler weights fitted so that route_layer's realised per-expert
// shares match the layer's popularity (a recorded load row), by balancer::fit_marginals on the
// sampler itself (draw_gate_tokens: the group-limited gate and the node limit of this placement).
#pragma once

#include "sim/balancer/gate.hpp"
#include "sim/balancer/marginal_fit.hpp"
#include "sim/step/layer_gate.hpp"

#include <cstdint>
#include <span>

namespace moetwin::step {

struct LayerFitStats {
    int rounds        = 0; // realised-share evaluations
    double tv_initial = 0; // TV(realised, target) with the target as weights, on the fit's sample
    double tv_final   = 0; // ... with the fitted weights
    double wall_s     = 0; // wall time of the fit (reported, never part of a result)
};

// Sampled tokens per realised-share evaluation when the caller gives none: DeepSeek-V3's EP144
// decode step samples 36,864 tokens a layer (128 requests x 2 tokens x 144 GPUs); a lattice sample
// of this size measures shares to about 0.3 % TV (tests/sim/test_popularity_fit.cpp).
inline constexpr int64_t kDefaultFitSamples = 16384;

// Contract: `prepared` = prepare_layer() of the layer with `target` [num_experts] as weights;
// replaces prepared.w and prepared.tables with the fitted weights. Deterministic in (target,
// prepared's homes, g, node_limit, samples, seed, stream): every round draws the same lattice
// points (common random numbers), so the fit converges on one sample rather than chasing noise.
LayerFitStats fit_layer_gate(LayerGate& prepared, const balancer::GateSpec& g, int node_limit,
                             std::span<const double> target, int64_t samples, uint64_t seed, uint64_t stream,
                             const balancer::MarginalFitSpec& spec = {});

} // namespace moetwin::step
