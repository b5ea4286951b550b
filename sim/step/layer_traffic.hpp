// SPDX-License-Identifier: Apache-2.0
// tally_layer(): the second half of route_layer. Each sampled token's selections go to replicas by
// the dispatch policy, and are summed into the layer's traffic matrix and per-slot and per-expert
// counts.
#pragma once

#include "sim/step/layer_gate.hpp"
#include "sim/step/layer_routing.hpp"

#include <cstdint>
#include <span>

namespace moetwin::step {

// Contract: experts [samples, kk] are logical experts (kk = topk, + 1 with a shared expert),
// source [samples] their GPUs, bundle [samples] the tokens each sample stands for; `prepared` is
// prepare_layer() of `in`. Fills out.traffic, out.slot_selections and out.expert_selections.
void tally_layer(const LayerRoutingInput& in, const LayerGate& prepared, std::span<const int> experts,
                 std::span<const int> source, std::span<const int64_t> bundle, int kk, LayerRouting& out);

} // namespace moetwin::step
