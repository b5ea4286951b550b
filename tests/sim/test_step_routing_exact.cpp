// SPDX-License-Identifier: Apache-2.0
// The gate law (moe/gate_law.hpp) and its two samplers. On a small gate, the exact law by
// enumeration: groups drawn without replacement by weight (Plackett-Luce), then experts of those
// groups drawn one by one among the eligible ones (free, and on one of the token's nodes once it
// has M); the reference sampler (draw_gate_token) and route_layer's fast one must both follow it,
// the fast one on both of its paths: the limit that cannot bind (alias draws only) and the limit
// that binds (alias draws below M nodes, node-then-expert rejection at M nodes). On DeepSeek-V3's
// gate (256 experts, 8 groups, top-4 groups, top-8, M = 4 of 18 nodes), where enumeration is out of
// reach, the fast sampler against the reference one.
#include "common/rng.hpp"
#include "moe/gate_law.hpp"
#include "sim/balancer/dispatch.hpp"
#include "sim/balancer/placement.hpp"
#include "sim/step/gate_sampler.hpp"
#include "sim/step/layer_gate.hpp"
#include "sim/step/layer_routing.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

namespace moetwin::step {
namespace {

// 12 experts in 3 groups of 4, top-2 groups, top-3 experts; 3 nodes of 2 GPUs with 2 slots each.
// Expert e lives on node e % 3, so every group spans all three nodes.
struct SmallGate {
    GateSpec gate{12, 3, 2, 3};
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

// The reference sampler's expert marginals on the small gate, n tokens.
std::vector<double> reference_marginals(const SmallGate& s, int M, int n, int64_t* relaxed) {
    std::vector<double> group_w(3, 0.0), p(12, 0.0);
    std::vector<int> node(12);
    for (int e = 0; e < 12; ++e) {
        group_w[std::size_t(e / 4)] += s.w[std::size_t(e)];
        node[std::size_t(e)] = s.node(e);
    }
    Rng rng(3);
    GateDrawScratch scratch;
    std::vector<int> out(3);
    *relaxed = 0;
    for (int t = 0; t < n; ++t) {
        *relaxed += draw_gate_token(s.gate, s.w, group_w, {node, M}, rng, scratch, out);
        for (int e : out)
            p[std::size_t(e)] += 1.0 / n;
    }
    return p;
}

TEST(StepRoutingExact, ReferenceSamplerMatchesTheExactLaw) {
    const SmallGate s;
    const int n = 200000;
    for (int M : {2, 3}) {
        const std::vector<double> exact = s.exact_marginals(M);
        int64_t relaxed                 = -1;
        const std::vector<double> p     = reference_marginals(s, M, n, &relaxed);
        EXPECT_EQ(relaxed, 0);
        for (int e = 0; e < 12; ++e) {
            const double q = exact[std::size_t(e)];
            EXPECT_NEAR(p[std::size_t(e)], q, 5 * std::sqrt(q * (1 - q) / n) + 1e-9) << "M=" << M << " expert " << e;
        }
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

TEST(StepRoutingExact, LiftedLimitFollowsTheReference) {
    // M = 1 on the small gate: tokens whose first expert sits on node 2 run out of eligible experts
    // (node 2 holds two experts of groups {0, 1}), so both samplers lift the limit for a pick.
    const SmallGate s;
    const std::vector<int64_t> tokens(6, 40000);
    const double n              = 6 * 40000.0;
    const LayerRouting r        = s.sample(1, tokens);
    int64_t ref_relaxed         = 0;
    const std::vector<double> p = reference_marginals(s, 1, int(n), &ref_relaxed);
    const double fr = double(r.node_limit_relaxed) / n, rr = double(ref_relaxed) / n;
    EXPECT_GT(rr, 0.01);
    EXPECT_NEAR(fr, rr, 5 * std::sqrt(2 * rr * (1 - rr) / n));
    for (int e = 0; e < 12; ++e) {
        const double q = p[std::size_t(e)];
        EXPECT_NEAR(double(r.expert_selections[std::size_t(e)]) / n, q, 5 * std::sqrt(2 * q * (1 - q) / n) + 1e-9)
            << "expert " << e;
    }
}

// DeepSeek-V3's gate on 18 nodes: expert e's home node is (7 e) mod 18, so every group of 32
// spans all 18 nodes and the limit M = 4 binds on almost every token; weights lognormal (sigma 1).
struct FullGate {
    GateSpec gate; // 256 / 8 / 4 / 8 (reference §1.1)
    static constexpr int kNodes = 18, kLimit = 4;
    std::vector<double> w, group_w;
    std::vector<int> home;
    FullGate() : w(256), group_w(8, 0.0), home(256) {
        Rng r(17);
        for (int e = 0; e < 256; ++e) {
            w[std::size_t(e)]    = r.lognormal(0.0, 1.0);
            home[std::size_t(e)] = (7 * e) % kNodes;
            group_w[std::size_t(e / 32)] += w[std::size_t(e)];
        }
    }
};

// Per token: the experts, the number of distinct nodes and the groups touched, tallied.
struct Tally {
    std::vector<double> expert = std::vector<double>(256, 0.0);
    std::vector<double> nodes  = std::vector<double>(9, 0.0); // tokens spanning k nodes (k <= 8)
    std::vector<double> group  = std::vector<double>(8, 0.0); // tokens with an expert in group g
    void add(std::span<const int> sel, const std::vector<int>& home, double n) {
        std::vector<int> nd, gr;
        for (int e : sel) {
            expert[std::size_t(e)] += 1.0 / n;
            if (std::find(nd.begin(), nd.end(), home[std::size_t(e)]) == nd.end()) nd.push_back(home[std::size_t(e)]);
            if (std::find(gr.begin(), gr.end(), e / 32) == gr.end()) gr.push_back(e / 32);
        }
        nodes[nd.size()] += 1.0 / n;
        for (int g : gr)
            group[std::size_t(g)] += 1.0 / n;
    }
};

// Two samples of n tokens each from one law: every frequency within 5 sigma of the other's.
void expect_same_frequencies(const std::vector<double>& a, const std::vector<double>& b, double n, const char* what) {
    for (std::size_t i = 0; i < a.size(); ++i) {
        const double p = (a[i] + b[i]) / 2;
        EXPECT_NEAR(a[i], b[i], 5 * std::sqrt(2 * p * (1 - p) / n) + 1e-12) << what << " " << i;
    }
}

TEST(StepRoutingExact, FastSamplerFollowsTheReferenceOnDeepSeekV3sGate) {
    const FullGate f;
    const int n = 100000;
    // The fast sampler: route_layer's draw_gate_tokens on the layer's tables.
    LayerGate prepared;
    prepared.w         = f.w;
    prepared.home      = f.home;
    prepared.num_nodes = FullGate::kNodes;
    prepared.tables.emplace(f.gate, prepared.w, prepared.home, FullGate::kNodes);
    std::vector<int> fast(std::size_t(n) * 8);
    Rng rf(1);
    const int64_t fast_relaxed = draw_gate_tokens(f.gate, FullGate::kLimit, -1, prepared, rf, fast);
    // The reference sampler.
    std::vector<int> ref(std::size_t(n) * 8);
    Rng rr(2);
    GateDrawScratch scratch;
    int64_t ref_relaxed = 0;
    for (int t = 0; t < n; ++t)
        ref_relaxed += draw_gate_token(f.gate, f.w, f.group_w, {f.home, FullGate::kLimit}, rr, scratch,
                                       std::span<int>(ref).subspan(std::size_t(t) * 8, 8));
    Tally a, b;
    for (int t = 0; t < n; ++t) {
        a.add(std::span<const int>(fast).subspan(std::size_t(t) * 8, 8), f.home, n);
        b.add(std::span<const int>(ref).subspan(std::size_t(t) * 8, 8), f.home, n);
    }
    // 8 experts on 18 nodes with 4 allowed: the limit binds, so most tokens sit on exactly 4.
    EXPECT_GT(b.nodes[4], 0.5);
    EXPECT_EQ(b.nodes[5] + b.nodes[6] + b.nodes[7] + b.nodes[8], 0.0); // never lifted here
    EXPECT_EQ(ref_relaxed, 0);
    EXPECT_EQ(fast_relaxed, 0);
    expect_same_frequencies(a.expert, b.expert, n, "expert");
    expect_same_frequencies(a.nodes, b.nodes, n, "nodes per token");
    expect_same_frequencies(a.group, b.group, n, "group touched");
}

// gpu_expert_work on an uneven layout: 5 slots on 2 GPUs of one node (GPU 0 holds slots 0-2, GPU 1
// slots 3-4). GPU 0 serves 4 + 0 + 3 pairs: 7 pairs on 2 used slots, ⌈7 / 2⌉ = 4 per group; GPU 1
// serves 5 + 1: 6 on 2, 3 per group; an idle GPU has no group and 0 per group.
TEST(StepRoutingExact, GpuExpertWorkCountsTheGpusOwnSlots) {
    balancer::PlacementSpec spec;
    spec.num_slots = 5, spec.num_groups = 1, spec.num_nodes = 1, spec.num_gpus = 2;
    LayerRouting r;
    r.slot_selections      = {4, 0, 3, 5, 1};
    const GpuExpertWork g0 = gpu_expert_work(r, spec, 0);
    EXPECT_EQ(g0.selections, 7);
    EXPECT_EQ(g0.experts_used, 2);
    EXPECT_EQ(g0.tokens_per_expert, 4);
    const GpuExpertWork g1 = gpu_expert_work(r, spec, 1);
    EXPECT_EQ(g1.selections, 6);
    EXPECT_EQ(g1.experts_used, 2);
    EXPECT_EQ(g1.tokens_per_expert, 3);
    r.slot_selections        = {0, 0, 0, 2, 0};
    const GpuExpertWork idle = gpu_expert_work(r, spec, 0);
    EXPECT_EQ(idle.selections, 0);
    EXPECT_EQ(idle.experts_used, 0);
    EXPECT_EQ(idle.tokens_per_expert, 0);
    EXPECT_EQ(gpu_expert_work(r, spec, 1).tokens_per_expert, 2);
}

} // namespace
} // namespace moetwin::step
