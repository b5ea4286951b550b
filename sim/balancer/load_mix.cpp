// SPDX-License-Identifier: Apache-2.0
// mixed_loads(): one recorded run turning into another over a simulated hour.
#include "sim/balancer/load_mix.hpp"

#include "common/errors.hpp"
#include "common/rng.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <ostream>
#include <string>

namespace moetwin::balancer {

void MixSpec::validate() const {
    if (num_minutes < 2) throw ConfigError("mix: num_minutes must be ≥ 2, got " + std::to_string(num_minutes));
    if (!(tokens_per_minute > 0)) throw ConfigError("mix: tokens_per_minute must be > 0");
    if (topk < 1) throw ConfigError("mix: topk must be ≥ 1");
}

std::ostream& operator<<(std::ostream& os, const MixSpec& m) {
    return os << "MixSpec{num_minutes=" << m.num_minutes << ", tokens_per_minute=" << m.tokens_per_minute
              << ", topk=" << m.topk << ", seed=" << m.seed << "}";
}

std::vector<ExpertLoad> mixed_loads(const ExpertLoad& from, const ExpertLoad& to, const MixSpec& m) {
    m.validate();
    from.validate();
    to.validate();
    if (from.num_layers != to.num_layers || from.num_experts != to.num_experts)
        throw ConfigError("mix: the two runs differ in shape: " + std::to_string(from.num_layers) + " × " +
                          std::to_string(from.num_experts) + " and " + std::to_string(to.num_layers) + " × " +
                          std::to_string(to.num_experts));
    const auto shares = [](const ExpertLoad& l) {
        ExpertLoad s = l;
        for (int layer = 0; layer < s.num_layers; ++layer) {
            auto row         = s.layer(layer);
            const double sum = std::accumulate(row.begin(), row.end(), 0.0);
            for (double& x : row)
                x = sum > 0 ? x / sum : 1.0 / double(s.num_experts);
        }
        return s;
    };
    const ExpertLoad a = shares(from), b = shares(to);
    Rng rng(m.seed, 0x6d1c);
    std::vector<ExpertLoad> out;
    out.reserve(std::size_t(m.num_minutes));
    for (int minute = 0; minute < m.num_minutes; ++minute) {
        const double w = double(minute) / double(m.num_minutes - 1);
        ExpertLoad obs{from.num_layers, from.num_experts, std::vector<double>(from.tokens.size())};
        for (std::size_t i = 0; i < obs.tokens.size(); ++i) {
            const double mean = m.tokens_per_minute * m.topk * ((1 - w) * a.tokens[i] + w * b.tokens[i]);
            obs.tokens[i]     = std::max(0.0, mean + std::sqrt(mean) * rng.normal());
        }
        out.push_back(std::move(obs));
    }
    return out;
}

} // namespace moetwin::balancer
