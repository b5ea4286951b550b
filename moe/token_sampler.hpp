// SPDX-License-Identifier: Apache-2.0
// Tokens' top-k expert sets sampled from whole-run per-expert loads. The recordings hold no
// co-activation, so this is a model (stated here, used for dispatch-receive and IB bytes):
//   the gate law (gate_law.hpp, draw_gate_token: the Plackett–Luce form of DeepSeek's group-limited
//   gate) without the node limit — per token, gate.topk_groups groups drawn without replacement ∝
//   group weight (sum of its experts' weights), then gate.topk experts drawn without replacement ∝
//   expert weight inside those groups. Each layer's recorded loads are
//   reproduced as the step's router does it (sim/step/popularity_fit.hpp), with the same two parts:
//   a coarse fit of the expert weights (fit_marginals, marginal_fit.hpp, calibration_rounds rounds
//   on calibration_tokens common tokens) and a LoadController (load_control.hpp) holding the
//   sample's running per-expert counts to the recorded shares while it is drawn. The draws are
//   not the step's (draw_gate_tokens, the same law drawn fast, with the node limit, which needs a
//   placement): this sample is drawn once, before any placement, to evaluate every placement
//   policy on the same tokens. Deterministic for a given seed.
#pragma once

#include "moe/expert_load.hpp"
#include "moe/gate.hpp"

#include <cstdint>
#include <iosfwd>
#include <span>
#include <vector>

namespace moetwin {

struct TokenSampleSpec {
    int num_tokens         = 4096; // tokens per layer
    std::uint64_t seed     = 1;
    int calibration_rounds = 4;    // proportional-fitting rounds (0: weights = recorded loads, no control)
    int calibration_tokens = 4096; // tokens sampled per round
    void validate() const;
};

std::ostream& operator<<(std::ostream& os, const TokenSampleSpec& s);

struct TokenSample {
    int num_layers = 0;
    int num_tokens = 0;
    int topk       = 0;
    std::vector<int> experts; // [num_layers, num_tokens, topk]: logical expert ids, distinct per token

    std::span<const int> layer(int l) const {
        const std::size_t n = static_cast<std::size_t>(num_tokens) * topk;
        return {experts.data() + l * n, n};
    }
};

// Throws ConfigError when load.num_experts ≠ gate.num_experts. Experts with zero load get a weight of
// 1e-9 × the mean, so that a token can always draw topk distinct experts from its groups.
TokenSample sample_tokens(const ExpertLoad& load, const GateSpec& gate, const TokenSampleSpec& spec);

// Total-variation distance between each layer's sampled expert frequencies and its recorded load
// shares, averaged over layers (0 = identical; used to check the fit).
double sample_fit_error(const ExpertLoad& load, const TokenSample& sample);

} // namespace moetwin
