// SPDX-License-Identifier: Apache-2.0
// draw_gate_tokens(): the per-token half of route_layer, on its own so that the popularity fit
// (sim/step/popularity_fit.hpp) measures exactly the sampler that routes the step.
#pragma once

#include "common/rng.hpp"
#include "moe/gate.hpp"
#include "sim/step/layer_gate.hpp"

#include <cstdint>
#include <span>

namespace moetwin::step {

// Contract: `prepared` from prepare_layer (its w, home and tables); experts.size() a multiple of
// kk = gate.topk (+ 1 with shared_expert >= 0). Writes each sampled token's logical experts in
// draw order (the shared expert last), drawing from `rng` and leaving it after the last draw (so
// that consecutive calls continue one stream; between calls the caller may replace prepared.w and
// prepared.tables). Returns the tokens for which the node limit had to be lifted. The law is the
// gate law of moe/gate_law.hpp (the Plackett-Luce gate with the greedy node limit), whose
// reference sampler draw_gate_token is the readable statement of it; this one draws the same law
// fast (alias tables, rejection) but not the same numbers.
int64_t draw_gate_tokens(const GateSpec& g, int node_limit, int shared_expert, LayerGate& prepared, Rng& rng,
                         std::span<int> experts);

} // namespace moetwin::step
