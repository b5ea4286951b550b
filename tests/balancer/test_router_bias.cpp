// SPDX-License-Identifier: Apache-2.0
// Auxiliary-loss-free bias balancing: loads converge with γ > 0 and stay skewed with γ = 0.
#include "sim/balancer/router_bias.hpp"

#include "common/errors.hpp"

#include <gtest/gtest.h>

#include <numeric>
#include <sstream>

namespace moetwin::balancer {
namespace {

RouterBiasConfig small(double gamma) {
    RouterBiasConfig c;
    c.gate            = GateSpec{64, 8, 4, 8};
    c.num_steps       = 120;
    c.tokens_per_step = 256;
    c.gamma           = gamma;
    c.skew            = 1.0;
    return c;
}

double tail_mean(const std::vector<double>& v, int n) {
    return std::accumulate(v.end() - n, v.end(), 0.0) / n;
}

TEST(RouterBias, LoadsConvergeWithGamma) {
    const RouterBiasTrajectory t = simulate_router_bias(small(0.01));
    ASSERT_EQ(t.max_over_mean.size(), 120u);
    EXPECT_GT(t.max_over_mean.front(), 2.5);        // skewed router: hottest expert ≫ mean
    EXPECT_LT(tail_mean(t.max_over_mean, 20), 1.6); // converged near balance
    // Hot experts end with negative bias, cold ones with positive.
    int hot = 0, cold = 0;
    for (int e = 0; e < t.num_experts; ++e) {
        if (t.load_at(0, e) > t.load_at(0, hot)) hot = e;
        if (t.load_at(0, e) < t.load_at(0, cold)) cold = e;
    }
    const std::size_t last = static_cast<std::size_t>(t.num_steps - 1) * t.num_experts;
    EXPECT_LT(t.bias[last + hot], 0);
    EXPECT_GT(t.bias[last + cold], 0);
}

TEST(RouterBias, NoUpdateWithoutGamma) {
    const RouterBiasTrajectory t = simulate_router_bias(small(0.0));
    EXPECT_GT(tail_mean(t.max_over_mean, 20), 2.5);
    for (double b : t.bias)
        EXPECT_EQ(b, 0.0);
}

TEST(RouterBias, DeterministicAndCsv) {
    RouterBiasConfig c = small(0.01);
    c.num_steps        = 3;
    const auto a = simulate_router_bias(c), b = simulate_router_bias(c);
    EXPECT_EQ(a.load, b.load);
    std::ostringstream csv;
    write_router_bias_csv(a, csv);
    const std::string s = csv.str();
    EXPECT_EQ(s.rfind("step,expert,load,bias\n0,0,", 0), 0u);
    EXPECT_EQ(std::count(s.begin(), s.end(), '\n'), 1 + 3 * 64);
}

TEST(RouterBias, RejectsBadConfig) {
    RouterBiasConfig c = small(-1);
    EXPECT_THROW(simulate_router_bias(c), ConfigError);
    c           = small(0.01);
    c.num_steps = 0;
    EXPECT_THROW(simulate_router_bias(c), ConfigError);
}

} // namespace
} // namespace moetwin::balancer
