// SPDX-License-Identifier: Apache-2.0
// The bias-update loop of auxiliary-loss-free load balancing, on seeded synthetic gate scores.
#include "sim/balancer/router_bias.hpp"

#include "common/rng.hpp"

#include "common/errors.hpp"

#include <algorithm>
#include <cmath>
#include <ostream>

namespace moetwin::balancer {

void RouterBiasConfig::validate() const {
    gate.validate();
    if (num_steps < 1) throw ConfigError("router bias: num_steps must be ≥ 1");
    if (tokens_per_step < 1) throw ConfigError("router bias: tokens_per_step must be ≥ 1");
    if (!(gamma >= 0)) throw ConfigError("router bias: gamma must be ≥ 0");
    if (!(skew >= 0) || !(noise >= 0)) throw ConfigError("router bias: skew and noise must be ≥ 0");
}

std::ostream& operator<<(std::ostream& os, const RouterBiasConfig& c) {
    return os << "RouterBiasConfig{" << c.gate << ", num_steps=" << c.num_steps
              << ", tokens_per_step=" << c.tokens_per_step << ", gamma=" << c.gamma << ", skew=" << c.skew
              << ", noise=" << c.noise << ", seed=" << c.seed << "}";
}

RouterBiasTrajectory simulate_router_bias(const RouterBiasConfig& c) {
    c.validate();
    const int E = c.gate.num_experts, K = c.gate.topk;
    Rng popularity(c.seed, 0);
    std::vector<double> mu(E), bias(E, 0.0), scores(E);
    for (double& m : mu)
        m = c.skew * popularity.normal();
    std::vector<int> picks(K), count(E);

    RouterBiasTrajectory t{c.num_steps, E, {}, {}, {}};
    t.load.reserve(static_cast<std::size_t>(c.num_steps) * E);
    t.bias.reserve(static_cast<std::size_t>(c.num_steps) * E);
    const double mean = static_cast<double>(c.tokens_per_step) * K / E;
    for (int step = 0; step < c.num_steps; ++step) {
        Rng rng(c.seed, 1 + static_cast<std::uint64_t>(step));
        std::fill(count.begin(), count.end(), 0);
        for (int tok = 0; tok < c.tokens_per_step; ++tok) {
            for (int e = 0; e < E; ++e)
                scores[e] = 1.0 / (1.0 + std::exp(-(mu[e] + c.noise * rng.normal()))) + bias[e];
            select_experts(c.gate, scores, picks);
            for (int e : picks)
                ++count[e];
        }
        t.load.insert(t.load.end(), count.begin(), count.end());
        t.bias.insert(t.bias.end(), bias.begin(), bias.end());
        t.max_over_mean.push_back(*std::max_element(count.begin(), count.end()) / mean);
        for (int e = 0; e < E; ++e) // eq. 16: b_i ← b_i − γ if overloaded, + γ if underloaded
            bias[e] += count[e] > mean ? -c.gamma : count[e] < mean ? c.gamma : 0.0;
    }
    return t;
}

void write_router_bias_csv(const RouterBiasTrajectory& t, std::ostream& out) {
    out << "step,expert,load,bias\n";
    for (int s = 0; s < t.num_steps; ++s)
        for (int e = 0; e < t.num_experts; ++e)
            out << s << ',' << e << ',' << t.load_at(s, e) << ','
                << t.bias[static_cast<std::size_t>(s) * t.num_experts + e] << '\n';
}

} // namespace moetwin::balancer
