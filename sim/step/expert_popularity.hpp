// SPDX-License-Identifier: Apache-2.0
// Per-MoE-layer expert popularity (routing weights) from a scenario: uniform, Zipf(s), log-normal
// (seeded), or a recorded expert-load file's layer row. The token router samples from these and the
// placement policy is fitted on them.
#pragma once

#include "engine/model_spec.hpp"
#include "moe/expert_load.hpp"
#include "sim/scenario.hpp"

namespace moetwin::step {

// Contract: pure and deterministic in (scenario, seed). Returns [num_moe_layers, num_routed_experts]
// weights >= 0 whose rows sum to top_k (expected selections per token).
//  - uniform: every expert 1.
//  - zipf: the expert of rank i (a seeded permutation per layer) gets 1 / (i + 1)^s.
//  - lognormal: exp(sigma N(0, 1)), seeded per layer.
//  - file: the file's row for the layer. A file with the full model's layer count (dense rows
//    included, as SGLang records them) is indexed by the model layer; otherwise its non-empty rows
//    are used in order, cycling when the model has more MoE layers than the file.
// `full` is the catalogue model (its layer counts index the file); `model` may be truncated.
ExpertLoad expert_popularity(const Scenario& s, const ModelSpec& full, const ModelSpec& model);

} // namespace moetwin::step
