// SPDX-License-Identifier: Apache-2.0
// tree_partition: the tree theorem (any expert set served by |C| − 1 GPUs at its mean), the exhaustive
// optimum of small 2-slot units, joint_minmax's hand case, the fallback to joint_minmax elsewhere,
// determinism, and the recorded decode runs in and out of sample (skips without ../shared).
#include "exhaustive_optimum.hpp"
#include "moe/expert_load_json.hpp"
#include "sim/balancer/placement.hpp"
#include "sim/balancer/placement_floor.hpp"
#include "sim/balancer/split_metrics.hpp"
#include "test_helpers.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <numeric>
#include <random>

namespace moetwin::balancer {
namespace {

const PlacementPolicy& tree() {
    return find_placement_policy("tree_partition");
}

// One group: E experts on E − 1 GPUs × 2 slots must form one tree, and the theorem's tree carries every
// GPU at the mean whatever the loads (skewed log-normal, zeros, one expert holding most of the load),
// up to the split's whole tokens (one per replica on the busiest GPU).
TEST(TreePartition, OneTreeServesAnyLoadsAtTheMean) {
    for (int E = 2; E <= 24; E += 2) {
        for (const double skew : {0.3, 1.0, 2.5}) {
            ExpertLoad load = test::random_load(1, E, std::uint64_t(100 + E), skew);
            load.tokens[0] += 50'000; // one hot expert: several times a GPU's share
            const PlacementSpec spec{2 * (E - 1), 1, 1, E - 1};
            const Placement p = tree().place(load, spec);
            check_placement(p, spec);
            const double mean = std::accumulate(load.tokens.begin(), load.tokens.end(), 0.0) / (E - 1);
            const auto g      = split_gpu_loads(p, spec, load, 0);
            EXPECT_LE(*std::max_element(g.begin(), g.end()), mean + 2.0) << E << " experts, skew " << skew;
        }
    }
}

// Small 2-slot units with fewer GPUs than experts: the partition into trees reaches the exhaustive
// optimum over every placement (cycles, an expert twice on one GPU and every split included).
TEST(TreePartition, EqualsTheExhaustiveOptimumOnSmallUnits) {
    std::mt19937 rng(11);
    int cases = 0;
    for (const auto [experts, gpus] : {std::pair{4, 3}, std::pair{5, 3}, std::pair{5, 4}, std::pair{6, 4}})
        for (int trial = 0; trial < 10; ++trial) {
            std::vector<int64_t> loads(std::size_t(experts), 0);
            for (auto& l : loads)
                l = trial % 2 ? int64_t(1 + rng() % 4) * int64_t(1 + rng() % 10) : int64_t(5 + rng() % 10);
            const ExpertLoad load{1, experts, std::vector<double>(loads.begin(), loads.end())};
            const PlacementSpec spec{2 * gpus, 1, 1, gpus};
            const Placement p = tree().place(load, spec);
            check_placement(p, spec);
            const auto g = split_gpu_loads(p, spec, load, 0);
            EXPECT_EQ(int64_t(*std::max_element(g.begin(), g.end())), test::exhaustive_optimum(loads, gpus, 2))
                << experts << " experts on " << gpus << " GPUs, trial " << trial;
            ++cases;
        }
    EXPECT_EQ(cases, 40);
}

// joint_minmax's hand case (loads 18, 14, 20, 18, 2 on 3 GPUs × 2 slots): two groups, {2, 20} and
// {14, 18, 18}: 22 and 50 / 2 = 25, the exhaustive optimum (25 / 24 of the mean).
TEST(TreePartition, HandCaseReachesTheOptimum) {
    const ExpertLoad load{1, 5, {18, 14, 20, 18, 2}};
    const PlacementSpec spec{6, 1, 1, 3};
    const Placement p = tree().place(load, spec);
    check_placement(p, spec);
    EXPECT_NEAR(busiest_over_mean(p, spec, load, ReplicaSplitModel::MinMax).mean_ratio, 25.0 / 24.0, 1e-12);
    auto g = split_gpu_loads(p, spec, load, 0);
    std::sort(g.begin(), g.end());
    EXPECT_EQ(g, (std::vector<double>{22, 25, 25}));
    EXPECT_EQ(p.count(0, 2), 1); // the 20 stays whole beside the 2
}

// Other units (not exactly 2 slots on every GPU, or as many GPUs as experts) get joint_minmax's
// placement; the same input gives the same placement; on skewed random loads at the decode unit it is
// never above joint_minmax and never below the floor.
TEST(TreePartition, OtherUnitsAreJointMinMaxAndEveryPlacementIsDeterministic) {
    const ExpertLoad load = test::random_load(4, 256, 23, 1.0);
    for (const PlacementSpec spec :
         {PlacementSpec{288, 8, 4, 32}, PlacementSpec{300, 8, 9, 72}, PlacementSpec{512, 8, 32, 256}}) {
        EXPECT_EQ(tree().place(load, spec).phy2log, find_placement_policy("joint_minmax").place(load, spec).phy2log)
            << spec;
    }
    const PlacementSpec decode{288, 8, 18, 144};
    const Placement a = tree().place(load, decode), b = tree().place(load, decode);
    check_placement(a, decode);
    EXPECT_EQ(a.phy2log, b.phy2log);
    const double t = busiest_over_mean(a, decode, load, ReplicaSplitModel::MinMax).mean_ratio;
    const double j = busiest_over_mean(find_placement_policy("joint_minmax").place(load, decode), decode, load,
                                       ReplicaSplitModel::MinMax)
                         .mean_ratio;
    const double f = placement_floor(load, decode).mean_ratio;
    std::printf("random loads at the decode unit: tree_partition %.4f, joint_minmax %.4f, floor %.4f\n", t, j, f);
    // Measured (this commit): both at the floor, 1.2939 (a few experts hold 3.6–7.4 GPUs' worth each:
    // the floor's slot condition binds, and eplb_global's forest, which the policy keeps there, meets it).
    EXPECT_GE(t, f - 1e-9);
    EXPECT_LE(t, j + 1e-9);
}

// The two recorded decode runs at the decode unit (144 GPUs, 288 slots) under the min-max split.
TEST(TreePartition, RecordedDecodeInAndOutOfSample) {
    const auto dir = test::shared_loads_dir();
    if (!std::filesystem::is_directory(dir)) GTEST_SKIP() << dir << " not present";
    const ExpertLoad a = drop_empty_layers(load_expert_load(dir / "decode_in1000out1000.json"));
    const ExpertLoad b = drop_empty_layers(load_expert_load(dir / "decode_in2000out100.json"));
    const PlacementSpec spec{288, 8, 18, 144};
    for (const auto& [fit, eval] : {std::pair{&a, &b}, std::pair{&b, &a}}) {
        const Placement p = tree().place(*fit, spec);
        const Placement j = find_placement_policy("joint_minmax").place(*fit, spec);
        const double in   = busiest_over_mean(p, spec, *fit, ReplicaSplitModel::MinMax).mean_ratio;
        const double in_j = busiest_over_mean(j, spec, *fit, ReplicaSplitModel::MinMax).mean_ratio;
        const double out  = busiest_over_mean(p, spec, *eval, ReplicaSplitModel::MinMax).mean_ratio;
        const double fl   = placement_floor(*fit, spec).mean_ratio;
        std::printf("tree_partition in sample %.4f (joint_minmax %.4f, floor %.4f), out of sample %.4f\n", in, in_j, fl,
                    out);
        // Measured (this commit): in sample 1.1320 / 1.1475 against joint_minmax's 1.1554 / 1.1619.
        EXPECT_LT(in, in_j - 0.01);
        EXPECT_GE(in, fl);
    }
}

} // namespace
} // namespace moetwin::balancer
