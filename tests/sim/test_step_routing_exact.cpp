// SPDX-License-Identifier: Apache-2.0
// route_layer's sampler against the exact law of its gate, computed by enumeration on a small gate:
// groups drawn without replacement by weight (Plackett-Luce), then experts of those groups drawn
// one by one among the eligible ones (free, and on one of the token's nodes once it has M). Covers
// both samplers: the limit that cannot bind (alias draws only) and the limit that binds (alias
// draws below M nodes, node-then-expert rejection at M nodes).
#include "sim/balancer/dispatch.hpp"
#include "sim/balancer/placement.hpp"
#include "sim/step/layer_gate.hpp"
#include "sim/step/layer_routing.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <vector>

namespace moetwin::step {
namespace {

// 12 experts in 3 groups of 4, top-2 groups, top-3 experts; 3 nodes of 2 GPUs with 2 slots each.
// Expert e lives on node e % 3, so every group spans all three nodes.
struct SmallGate {
    balancer::GateSpec gate{12, 3, 2, 3};
    balancer::PlacementSpec spec;
    balancer::Placement placement;
    std::vector<double> w{5, 1, 3, 2, 8, 1.5, 4, 0.7, 2.5, 6, 1.2, 3.3};
    SmallGate() {
        spec.num_slots  = 12;
        spec.num_groups = 3;
        spec.num_nodes  = 3;
        spec.num_gpus   = 6;
        placement       = balancer::make_placement(1, 12, 12, {0, 3, 6, 9, 1, 4, 7, 10, 2, 5, 8, 11});
        balancer::check_placement(placement, spec);
    }
    int node(int e) const { return e % 3; }

    // P(expert e is among a token's top-3) for node limit M, by enumeration.
    std::vector<double> exact_marginals(int M) const {
        std::vector<double> p(12, 0.0);
        const int gs = gate.group_size();
        double gsum  = 0;
        std::vector<double> gw(3, 0.0);
        for (int e = 0; e < 12; ++e)
            gw[std::size_t(e / gs)] += w[std::size_t(e)];
        gsum = gw[0] + gw[1] + gw[2];
        for (int g1 = 0; g1 < 3; ++g1)
            for (int g2 = 0; g2 < 3; ++g2) {
                if (g1 == g2) continue;
                const double pg = gw[std::size_t(g1)] / gsum * gw[std::size_t(g2)] / (gsum - gw[std::size_t(g1)]);
                std::vector<int> experts;
                for (int g : {g1, g2})
                    for (int e = g * gs; e < (g + 1) * gs; ++e)
                        experts.push_back(e);
                std::vector<int> chosen;
                walk(experts, M, pg, chosen, p);
            }
        return p;
    }

    void walk(const std::vector<int>& experts, int M, double prob, std::vector<int>& chosen,
              std::vector<double>& p) const {
        if (int(chosen.size()) == gate.topk) {
            for (int e : chosen)
                p[std::size_t(e)] += prob;
            return;
        }
        std::vector<int> nodes;
        for (int e : chosen)
            if (std::find(nodes.begin(), nodes.end(), node(e)) == nodes.end()) nodes.push_back(node(e));
        auto eligible = [&](int e) {
            if (std::find(chosen.begin(), chosen.end(), e) != chosen.end()) return false;
            return int(nodes.size()) < M || std::find(nodes.begin(), nodes.end(), node(e)) != nodes.end();
        };
        double sum = 0;
        for (int e : experts)
            sum += eligible(e) ? w[std::size_t(e)] : 0.0;
        ASSERT_GT(sum, 0) << "the small gate never lifts the limit";
        for (int e : experts)
            if (eligible(e)) {
                chosen.push_back(e);
                walk(experts, M, prob * w[std::size_t(e)] / sum, chosen, p);
                chosen.pop_back();
            }
    }

    LayerRouting sample(int M, const std::vector<int64_t>& tokens) const {
        LayerRoutingInput in;
        in.gate                = gate;
        in.node_limit          = M;
        in.weights             = w;
        in.placement           = &placement;
        in.spec                = &spec;
        in.dispatch            = balancer::dispatch_round_robin;
        in.tokens_per_gpu      = tokens;
        in.gpus_per_node       = 2;
        in.seed                = 7;
        in.max_samples_per_gpu = tokens[0];
        return route_layer(in);
    }
};

void expect_matches_exact(int M) {
    const SmallGate s;
    const std::vector<double> exact = s.exact_marginals(M);
    EXPECT_NEAR(std::accumulate(exact.begin(), exact.end(), 0.0), 3.0, 1e-12);
    const std::vector<int64_t> tokens(6, 40000);
    const LayerRouting r = s.sample(M, tokens);
    const double n       = 6 * 40000.0;
    for (int e = 0; e < 12; ++e) {
        const double p     = exact[std::size_t(e)];
        const double sigma = std::sqrt(p * (1 - p) / n);
        EXPECT_NEAR(double(r.expert_selections[std::size_t(e)]) / n, p, 5 * sigma + 1e-9)
            << "M=" << M << " expert " << e;
    }
}

TEST(StepRoutingExact, UnboundLimitMatchesPlackettLuce) {
    expect_matches_exact(3); // two groups span at most the 3 nodes: the limit cannot bind
}

TEST(StepRoutingExact, BindingLimitMatchesTheGreedyNodeRule) {
    expect_matches_exact(2); // every two nodes hold >= 4 experts of any two groups: never lifted
}

TEST(StepRoutingExact, NodeLimitHoldsPerToken) {
    const SmallGate s;
    const std::vector<int64_t> tokens(6, 2000);
    const LayerRouting r = s.sample(2, tokens);
    EXPECT_EQ(r.node_limit_relaxed, 0);
    for (int src = 0; src < 6; ++src) {
        int64_t reach = 0;
        for (int m = 0; m < 3; ++m)
            reach += r.traffic.node_tokens_at(src, m);
        EXPECT_LE(reach, 2 * 2000);
        EXPECT_GE(reach, 2000);
    }
    // M = 1: node 2 holds only two experts of groups {0, 1}, so tokens that start there need the
    // limit lifted for their third expert, and are counted.
    EXPECT_GT(s.sample(1, tokens).node_limit_relaxed, 0);
}

TEST(StepRoutingExact, PreparedLayerGivesTheSameResult) {
    const SmallGate s;
    const std::vector<int64_t> tokens(6, 500), other(6, 300);
    LayerRoutingInput in;
    in.gate            = s.gate;
    in.node_limit      = 2;
    in.weights         = s.w;
    in.placement       = &s.placement;
    in.spec            = &s.spec;
    in.dispatch        = balancer::dispatch_round_robin;
    in.tokens_per_gpu  = tokens;
    in.gpus_per_node   = 2;
    LayerGate prepared = prepare_layer(in);
    for (int stream = 0; stream < 3; ++stream) {
        in.stream            = uint64_t(stream);
        in.tokens_per_gpu    = stream == 1 ? other : tokens;
        const LayerRouting a = route_layer(in), b = route_layer(in, prepared);
        EXPECT_EQ(a.traffic.selections, b.traffic.selections);
        EXPECT_EQ(a.traffic.tokens, b.traffic.tokens);
        EXPECT_EQ(a.traffic.node_tokens, b.traffic.node_tokens);
        EXPECT_EQ(a.slot_selections, b.slot_selections);
    }
}

} // namespace
} // namespace moetwin::step
