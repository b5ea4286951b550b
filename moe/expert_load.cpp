// SPDX-License-Identifier: Apache-2.0
// ExpertLoad validation, printing and the small transforms every caller needs.
#include "moe/expert_load.hpp"

#include "common/errors.hpp"

#include <cmath>
#include <ostream>
#include <string>

namespace moetwin {

void ExpertLoad::validate() const {
    if (num_layers < 1) throw ConfigError("expert load: num_layers must be ≥ 1, got " + std::to_string(num_layers));
    if (num_experts < 1) throw ConfigError("expert load: num_experts must be ≥ 1, got " + std::to_string(num_experts));
    const std::size_t want = static_cast<std::size_t>(num_layers) * num_experts;
    if (tokens.size() != want)
        throw ConfigError("expert load: expected " + std::to_string(num_layers) + " × " + std::to_string(num_experts) +
                          " = " + std::to_string(want) + " values, got " + std::to_string(tokens.size()));
    for (int l = 0; l < num_layers; ++l)
        for (int e = 0; e < num_experts; ++e) {
            const double v = at(l, e);
            if (!std::isfinite(v) || v < 0)
                throw ConfigError("expert load: layer " + std::to_string(l) + ", expert " + std::to_string(e) +
                                  ": load must be finite and ≥ 0, got " + std::to_string(v));
        }
}

std::ostream& operator<<(std::ostream& os, const ExpertLoad& load) {
    double total = 0;
    for (double v : load.tokens)
        total += v;
    return os << "ExpertLoad{num_layers=" << load.num_layers << ", num_experts=" << load.num_experts
              << ", total_tokens=" << total << "}";
}

ExpertLoad drop_empty_layers(const ExpertLoad& load, std::vector<int>* kept_layers) {
    ExpertLoad out;
    out.num_experts = load.num_experts;
    if (kept_layers) kept_layers->clear();
    for (int l = 0; l < load.num_layers; ++l) {
        const auto row = load.layer(l);
        bool any       = false;
        for (double v : row)
            any = any || v > 0;
        if (!any) continue;
        out.tokens.insert(out.tokens.end(), row.begin(), row.end());
        ++out.num_layers;
        if (kept_layers) kept_layers->push_back(l);
    }
    return out;
}

ExpertLoad select_layers(const ExpertLoad& load, std::span<const int> layers) {
    ExpertLoad out{0, load.num_experts, {}};
    for (int l : layers) {
        if (l < 0 || l >= load.num_layers)
            throw ConfigError("expert load: layer " + std::to_string(l) + " out of range (the load has " +
                              std::to_string(load.num_layers) + " layers)");
        const auto row = load.layer(l);
        out.tokens.insert(out.tokens.end(), row.begin(), row.end());
        ++out.num_layers;
    }
    return out;
}

ExpertLoad exponential_moving_average(const ExpertLoad& previous, const ExpertLoad& observed, double alpha) {
    if (previous.num_layers != observed.num_layers || previous.num_experts != observed.num_experts)
        throw ConfigError("moving average: shapes differ (" + std::to_string(previous.num_layers) + " × " +
                          std::to_string(previous.num_experts) + " vs " + std::to_string(observed.num_layers) + " × " +
                          std::to_string(observed.num_experts) + ")");
    if (!(alpha >= 0 && alpha <= 1)) throw ConfigError("moving average: alpha must be in [0, 1]");
    ExpertLoad out = previous;
    for (std::size_t i = 0; i < out.tokens.size(); ++i)
        out.tokens[i] = (1 - alpha) * previous.tokens[i] + alpha * observed.tokens[i];
    return out;
}

} // namespace moetwin
