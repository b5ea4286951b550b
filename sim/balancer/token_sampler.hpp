// SPDX-License-Identifier: Apache-2.0
// Tokens' top-k expert sets sampled from whole-run per-expert loads. The recordings hold no
// co-activation, so this is a model (stated here, used for dispatch-receive and IB bytes):
//   Plackett–Luce form of DeepSeek's group-limited gate — per token, gate.topk_groups groups drawn
//   without replacement ∝ group weight (sum of its experts' weights), then gate.topk experts drawn
//   without replacement ∝ expert weight inside those groups. The expert weights of each layer are
//   fitted (iterative proportional fitting) so that every expert's selection frequency per token
//   matches topk × its share of the layer's recorded load. Deterministic for a given seed.
#pragma once

#include "sim/balancer/expert_load.hpp"
#include "sim/balancer/gate.hpp"

#include <cstdint>
#include <iosfwd>
#include <span>
#include <vector>

namespace moetwin::balancer {

struct TokenSampleSpec {
    int num_tokens         = 4096; // tokens per layer
    std::uint64_t seed     = 1;
    int calibration_rounds = 4;    // proportional-fitting rounds (0: weights = recorded loads)
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

} // namespace moetwin::balancer
