// SPDX-License-Identifier: Apache-2.0
// Auxiliary-loss-free balancing (tech report §2.1.2, eq. 12–16; reference §1.2): each step, tokens
// pick experts on s_i + b_i through the group-limited gate, then every overloaded expert's bias
// drops by γ and every underloaded one rises by γ. Simulated on sampled gate scores.
#pragma once

#include "moe/gate.hpp"

#include <cstdint>
#include <iosfwd>
#include <vector>

namespace moetwin::balancer {

// Affinity model (ours, stated): expert i has a popularity offset μ_i = skew × z_i, z_i ~ N(0, 1)
// drawn once; token t's logit is μ_i + noise × ε_ti with ε_ti ~ N(0, 1); its score is
// s_ti = sigmoid(logit) (reference §1.2: sigmoid scoring). skew = 0 is a perfectly balanced router.
struct RouterBiasConfig {
    GateSpec gate;
    int num_steps       = 300;
    int tokens_per_step = 1024;
    double gamma        = 0.001; // bias update speed (tech report §4.2: 0.001)
    double skew         = 1.0;
    double noise        = 1.0;
    std::uint64_t seed  = 1;
    void validate() const; // ConfigError on non-positive counts, γ < 0, skew or noise < 0
};

std::ostream& operator<<(std::ostream& os, const RouterBiasConfig& c);

struct RouterBiasTrajectory {
    int num_steps   = 0;
    int num_experts = 0;
    std::vector<int> load;             // [num_steps, num_experts]: tokens routed to each expert that step
    std::vector<double> bias;          // [num_steps, num_experts]: b_i used during that step
    std::vector<double> max_over_mean; // [num_steps]: busiest expert / mean expert load

    int load_at(int step, int e) const { return load[static_cast<std::size_t>(step) * num_experts + e]; }
};

RouterBiasTrajectory simulate_router_bias(const RouterBiasConfig& config);

// CSV: step,expert,load,bias — one row per step and expert.
void write_router_bias_csv(const RouterBiasTrajectory& t, std::ostream& out);

} // namespace moetwin::balancer
