// SPDX-License-Identifier: Apache-2.0
// replica_ring and group_ring: a hand case, one component of all GPUs on every layer, the fallback to
// tree_partition, determinism, drifted random loads, group_ring's home nodes and IB bytes, and the
// recorded prefill runs out of sample (skips without ../shared).
#include "moe/expert_load_json.hpp"
#include "moe/token_sampler.hpp"
#include "sim/balancer/dispatch.hpp"
#include "sim/balancer/placement.hpp"
#include "sim/balancer/placement/home_nodes.hpp"
#include "sim/balancer/split_metrics.hpp"
#include "sim/balancer/traffic.hpp"
#include "test_helpers.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>

namespace moetwin::balancer {
namespace {

const PlacementPolicy& ring() {
    return find_placement_policy("replica_ring");
}

// Components of the GPUs linked by shared experts, on one layer.
int gpu_components(const Placement& p, const PlacementSpec& spec, int layer) {
    std::vector<int> parent(std::size_t(spec.num_gpus));
    std::iota(parent.begin(), parent.end(), 0);
    const auto find = [&](int g) {
        while (parent[std::size_t(g)] != g)
            g = parent[std::size_t(g)] = parent[std::size_t(parent[std::size_t(g)])];
        return g;
    };
    for (int e = 0; e < p.num_experts; ++e) {
        const auto reps = p.replicas(layer, e);
        for (std::size_t k = 1; k < reps.size(); ++k)
            parent[std::size_t(find(spec.gpu_of_slot(reps[k])))] = find(spec.gpu_of_slot(reps[0]));
    }
    int n = 0;
    for (int g = 0; g < spec.num_gpus; ++g)
        n += find(g) == g;
    return n;
}

// Loads 60, 40, 30, 20, 10, 5 on 3 GPUs × 3 slots (3 redundant slots = 3 GPUs). EPLB's counts: 3 for
// the 60 (its 30 per replica ties the 30's and wins on the lower index), 2 for the 40. Ring order
// 60, 40: the 60 on GPUs 0, 1, 2, the 40 on GPUs 2, 0. Replicated shares per GPU 40, 20, 40; LPT of
// 30, 20, 10, 5: the 30 to GPU 1 (50), the 20 to GPU 0 (60, full), the 10 to GPU 2 (50), the 5 to
// GPU 1. The split then holds every GPU at the mean, 55: GPU 1's fixed 35 takes 20 of the 60, and
// GPUs 0 and 2 (fixed 20 and 10) share the other 40 + 40.
TEST(ReplicaRing, HandCase) {
    const ExpertLoad load{1, 6, {60, 40, 30, 20, 10, 5}};
    const PlacementSpec spec{9, 1, 1, 3};
    const Placement p = ring().place(load, spec);
    check_placement(p, spec);
    EXPECT_EQ(p.phy2log, (std::vector<int>{0, 1, 3, 0, 2, 5, 0, 1, 4}));
    EXPECT_EQ(gpu_components(p, spec, 0), 1);
    EXPECT_EQ(split_gpu_loads(p, spec, load, 0), (std::vector<double>{55, 55, 55}));
    // Loads that move after the fit: the 30 becomes 60 and the 5 becomes 35. GPU 1's unreplicated
    // experts alone now bring 95, above the mean of 225 / 3 = 75: the split moves all of the 60 off it,
    // and the busiest GPU is GPU 1 at 95, which no split of this placement avoids.
    const ExpertLoad moved{1, 6, {60, 40, 60, 20, 10, 35}};
    const auto g = split_gpu_loads(p, spec, moved, 0);
    EXPECT_EQ(g[1], 95);
    EXPECT_EQ(*std::max_element(g.begin(), g.end()), 95);
    EXPECT_EQ(std::accumulate(g.begin(), g.end(), 0.0), 225);
}

// Every layer's GPUs form one component when the unit has at least one redundant slot per GPU, at
// even and uneven slot counts; the same input gives the same placement.
TEST(ReplicaRing, OneComponentOfAllGpus) {
    const ExpertLoad load = test::random_load(6, 256, 31, 1.0);
    for (const char* policy : {"replica_ring", "group_ring"})
        for (const PlacementSpec spec :
             {PlacementSpec{288, 8, 4, 32}, PlacementSpec{320, 8, 8, 64}, PlacementSpec{300, 8, 4, 32},
              PlacementSpec{512, 8, 4, 32}, PlacementSpec{300, 8, 3, 24}}) {
            const Placement p = find_placement_policy(policy).place(load, spec);
            check_placement(p, spec);
            for (int l = 0; l < load.num_layers; ++l)
                EXPECT_EQ(gpu_components(p, spec, l), 1) << policy << ' ' << spec << " layer " << l;
            EXPECT_EQ(p.phy2log, find_placement_policy(policy).place(load, spec).phy2log);
        }
}

// Odd shapes: fewer experts than GPUs (GPUs with 1 slot, where the chain may break), uneven slots,
// many turns' worth of redundant slots, one node: every placement is valid and deterministic.
TEST(ReplicaRing, OddShapesGiveValidPlacements) {
    for (const char* policy : {"replica_ring", "group_ring"})
        for (const auto& [experts, spec] :
             {std::pair{8, PlacementSpec{24, 2, 2, 16}}, std::pair{8, PlacementSpec{25, 2, 1, 16}},
              std::pair{16, PlacementSpec{100, 4, 2, 8}}, std::pair{12, PlacementSpec{20, 3, 1, 7}}}) {
            const ExpertLoad load = test::random_load(2, experts, 53, 1.5);
            const Placement p     = find_placement_policy(policy).place(load, spec);
            check_placement(p, spec);
            EXPECT_EQ(p.phy2log, find_placement_policy(policy).place(load, spec).phy2log) << policy << ' ' << spec;
            EXPECT_GE(busiest_over_mean(p, spec, load, ReplicaSplitModel::MinMax).mean_ratio, 1.0 - 1e-9);
        }
}

// Fewer redundant slots than GPUs (the decode unit; no redundancy): tree_partition's placement.
TEST(ReplicaRing, FewerRedundantSlotsThanGpusIsTreePartition) {
    const ExpertLoad load = test::random_load(3, 256, 37, 1.0);
    for (const char* policy : {"replica_ring", "group_ring"})
        for (const PlacementSpec spec : {PlacementSpec{288, 8, 18, 144}, PlacementSpec{256, 8, 4, 32}})
            EXPECT_EQ(find_placement_policy(policy).place(load, spec).phy2log,
                      find_placement_policy("tree_partition").place(load, spec).phy2log)
                << policy << ' ' << spec;
}

// Fitted on skewed random loads, judged on a copy with each expert's load × a seeded log-normal factor
// (relative σ 0.3), prefill-shaped unit, min-max split: the ring keeps the drift within one component
// where eplb_global and joint_minmax leave it in 5–7.
TEST(ReplicaRing, DriftedLoadsOutOfSample) {
    const ExpertLoad fit = test::random_load(8, 256, 41, 1.0);
    ExpertLoad eval      = fit;
    Rng rng(43, 1);
    for (double& t : eval.tokens)
        t = std::round(t * std::exp(0.3 * rng.normal() - 0.045));
    const PlacementSpec spec{288, 8, 4, 32};
    const auto out = [&](std::string_view policy) {
        return busiest_over_mean(find_placement_policy(policy).place(fit, spec), spec, eval, ReplicaSplitModel::MinMax)
            .mean_ratio;
    };
    const double r = out("replica_ring"), e = out("eplb_global"), j = out("joint_minmax");
    std::printf("drifted random loads: replica_ring %.4f, eplb_global %.4f, joint_minmax %.4f\n", r, e, j);
    EXPECT_LT(r, e - 0.02);
    EXPECT_LT(r, j - 0.02);
}

// group_ring at the prefill unit on skewed random loads: most unreplicated experts sit on their group's
// home node (replica_ring: about one in 4, the share of GPUs on that node), so a token's experts span
// fewer nodes and cross IB fewer times under load_aware dispatch; the ring still joins every GPU and
// the split still meets the mean in sample.
TEST(ReplicaRing, GroupRingKeepsGroupsHomeAndSavesIb) {
    const ExpertLoad load = test::random_load(4, 256, 47, 1.0);
    const PlacementSpec spec{288, 8, 4, 32};
    const Placement g     = find_placement_policy("group_ring").place(load, spec);
    const Placement r     = ring().place(load, spec);
    const auto home_share = [&](const Placement& p) {
        int home = 0, single = 0;
        for (int l = 0; l < load.num_layers; ++l) {
            const std::vector<int> h = home_nodes(load.layer(l), spec);
            for (int e = 0; e < load.num_experts; ++e)
                if (p.count(l, e) == 1)
                    ++single, home += spec.node_of_gpu(spec.gpu_of_slot(p.replicas(l, e)[0])) == h[std::size_t(e)];
        }
        return double(home) / single;
    };
    TokenSampleSpec ts;
    ts.num_tokens            = 1024;
    const TokenSample sample = sample_tokens(load, GateSpec{}, ts);
    const TrafficSummary tg  = measure_traffic(g, spec, sample, &dispatch_load_aware);
    const TrafficSummary tr  = measure_traffic(r, spec, sample, &dispatch_load_aware);
    const double in_g        = busiest_over_mean(g, spec, load, ReplicaSplitModel::MinMax).mean_ratio;
    std::printf("group_ring: %.3f of unreplicated experts at home (replica_ring %.3f); remote nodes per token %.3f "
                "(%.3f); in sample %.4f\n",
                home_share(g), home_share(r), tg.remote_nodes_per_token, tr.remote_nodes_per_token, in_g);
    EXPECT_GT(home_share(g), 0.9);
    EXPECT_LT(home_share(r), 0.4);
    EXPECT_LT(tg.remote_nodes_per_token, tr.remote_nodes_per_token - 0.1);
    EXPECT_LT(in_g, 1.001);
}

// The six recorded prefill runs at the prefill unit (32 GPUs, 4 nodes, 288 slots), every ordered pair
// under the min-max split. Measured (this commit): replica_ring out of sample 1.0133 mean, 1.0615 worst
// (joint_minmax 1.0536 / 1.1399, eplb_global 1.0564 / 1.1334), group_ring 1.0186 / 1.0837; in sample
// 1.0000.
TEST(ReplicaRing, RecordedPrefillRunsOutOfSample) {
    const auto dir = test::shared_loads_dir();
    if (!std::filesystem::is_directory(dir)) GTEST_SKIP() << dir << " not present";
    std::vector<ExpertLoad> runs;
    for (const char* name : {"prefill_in1000out1000", "prefill_in1024", "prefill_in1800out100", "prefill_in2000out100",
                             "prefill_in2048", "prefill_in512"})
        runs.push_back(drop_empty_layers(load_expert_load(dir / (std::string(name) + ".json"))));
    const PlacementSpec spec{288, 8, 4, 32};
    double sum_ring = 0, sum_group = 0, sum_eplb = 0, worst_ring = 0;
    int pairs = 0;
    for (const ExpertLoad& fit : runs) {
        const Placement r = ring().place(fit, spec), e = find_placement_policy("eplb_global").place(fit, spec);
        const Placement g = find_placement_policy("group_ring").place(fit, spec);
        EXPECT_LT(busiest_over_mean(r, spec, fit, ReplicaSplitModel::MinMax).mean_ratio, 1.001);
        EXPECT_LT(busiest_over_mean(g, spec, fit, ReplicaSplitModel::MinMax).mean_ratio, 1.001);
        for (const ExpertLoad& eval : runs) {
            if (&eval == &fit) continue;
            const double x = busiest_over_mean(r, spec, eval, ReplicaSplitModel::MinMax).mean_ratio;
            sum_ring += x, worst_ring = std::max(worst_ring, x);
            sum_group += busiest_over_mean(g, spec, eval, ReplicaSplitModel::MinMax).mean_ratio;
            sum_eplb += busiest_over_mean(e, spec, eval, ReplicaSplitModel::MinMax).mean_ratio;
            ++pairs;
        }
    }
    std::printf("recorded prefill pairs: replica_ring %.4f mean, %.4f worst; group_ring %.4f mean; eplb_global %.4f "
                "mean\n",
                sum_ring / pairs, worst_ring, sum_group / pairs, sum_eplb / pairs);
    EXPECT_EQ(pairs, 30);
    EXPECT_LT(sum_ring / pairs, 1.02);
    EXPECT_LT(worst_ring, 1.07);
    EXPECT_LT(sum_ring / pairs, sum_eplb / pairs - 0.03);
    EXPECT_LT(sum_group / pairs, 1.025); // measured 1.0186
    EXPECT_LT(sum_group / pairs, sum_eplb / pairs - 0.03);
}

} // namespace
} // namespace moetwin::balancer
