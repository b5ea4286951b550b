// SPDX-License-Identifier: Apache-2.0
// ExpertLoad: routed (token, expert) assignments per MoE layer and logical expert, the input of
// every expert-placement policy (deepseek-ai/EPLB's `weight`). Plain data; JSON lives elsewhere.
#pragma once

#include <cstddef>
#include <iosfwd>
#include <span>
#include <vector>

namespace moetwin {

// NOTES: a layer's sum is top_k × tokens for real recordings (reference §1: top-8), but policies
// only use ratios, so any non-negative scale (predicted load, moving average) is valid.
struct ExpertLoad {
    int num_layers  = 0;
    int num_experts = 0;
    std::vector<double> tokens; // [num_layers, num_experts], row-major, ≥ 0

    std::span<const double> layer(int l) const {
        return {tokens.data() + static_cast<std::size_t>(l) * num_experts, static_cast<std::size_t>(num_experts)};
    }
    std::span<double> layer(int l) {
        return {tokens.data() + static_cast<std::size_t>(l) * num_experts, static_cast<std::size_t>(num_experts)};
    }
    double at(int l, int e) const { return tokens[static_cast<std::size_t>(l) * num_experts + e]; }

    // Throws ConfigError: non-positive shape, size ≠ layers × experts, negative or non-finite value.
    void validate() const;
};

std::ostream& operator<<(std::ostream& os, const ExpertLoad& load);

// The layers whose load is not all zero (real recordings keep the 3 dense layers as zero rows).
// `kept_layers`, if given, receives the original index of each kept layer.
ExpertLoad drop_empty_layers(const ExpertLoad& load, std::vector<int>* kept_layers = nullptr);

// The given layers of `load`, in that order (ConfigError if an index is out of range).
ExpertLoad select_layers(const ExpertLoad& load, std::span<const int> layers);

// Element-wise (1 − alpha) × previous + alpha × observed; shapes must match (ConfigError).
ExpertLoad exponential_moving_average(const ExpertLoad& previous, const ExpertLoad& observed, double alpha);

} // namespace moetwin
