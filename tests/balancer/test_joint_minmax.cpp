// SPDX-License-Identifier: Apache-2.0
// joint_minmax: a hand case where EPLB's replica counts cannot reach the optimum whatever the pairing
// (the exhaustive optimum over all counts and pairings is known), invariants, determinism, and the
// recorded decode runs in and out of sample (skips without ../shared).
#include "moe/expert_load_json.hpp"
#include "sim/balancer/placement.hpp"
#include "sim/balancer/split_metrics.hpp"
#include "test_helpers.hpp"

#include <gtest/gtest.h>

#include <cstdio>

namespace moetwin::balancer {
namespace {

// 3 GPUs × 2 slots, loads {18, 14, 20, 18, 2} (total 72, mean GPU 24), one redundant slot. EPLB gives
// it to the 20; then some GPU holds two of {18, 14, 18} or an 18 beside the 20's replica partner, and
// the exhaustive search over all 15 pairings of those counts gives 26 at best (13/12). Replicating an 18
// instead: {20, 2} | {18, 18'} | {14, 18''}: the split puts 7 of expert 0 beside the other 18 and 11
// beside the 14: 22 | 25 | 25 → 25/24, the optimum over every count vector (exhaustive: 25).
TEST(JointMinMax, HandCaseCountsMatter) {
    const ExpertLoad load{1, 5, {18, 14, 20, 18, 2}};
    const PlacementSpec spec{6, 1, 1, 3};
    const Placement mm = find_placement_policy("minmax_swap").place(load, spec);
    EXPECT_EQ(mm.count(0, 2), 2);
    EXPECT_NEAR(busiest_over_mean(mm, spec, load, ReplicaSplitModel::MinMax).mean_ratio, 26.0 / 24.0, 1e-12);
    const Placement j = find_placement_policy("joint_minmax").place(load, spec);
    check_placement(j, spec);
    EXPECT_EQ(j.count(0, 2), 1);
    EXPECT_NEAR(busiest_over_mean(j, spec, load, ReplicaSplitModel::MinMax).mean_ratio, 25.0 / 24.0, 1e-12);
    auto g = split_gpu_loads(j, spec, load, 0);
    std::sort(g.begin(), g.end());
    EXPECT_EQ(g, (std::vector<double>{22, 25, 25}));
}

// Fitted on the same loads normalised to shares (what leave-one-out pooling hands a policy): the
// exact split must not see shares rounded to 0 or 1 (split_totals scales them), so the optimum holds.
TEST(JointMinMax, NormalisedLoadsReachTheSameOptimum) {
    const ExpertLoad load{1, 5, {18, 14, 20, 18, 2}};
    ExpertLoad shares = load;
    for (double& v : shares.tokens)
        v /= 72.0;
    const PlacementSpec spec{6, 1, 1, 3};
    const Placement j = find_placement_policy("joint_minmax").place(shares, spec);
    EXPECT_NEAR(busiest_over_mean(j, spec, load, ReplicaSplitModel::MinMax).mean_ratio, 25.0 / 24.0, 1e-12);
    const ExpertLoad m{1, 4, {0.5, 0.2, 0.2, 0.1}}; // test_minmax_swap's hand case {30, 12, 12, 6} / 60
    const Placement mm = find_placement_policy("minmax_swap").place(m, spec);
    EXPECT_NEAR(busiest_over_mean(mm, spec, ExpertLoad{1, 4, {30, 12, 12, 6}}, ReplicaSplitModel::MinMax).mean_ratio,
                1.0, 1e-12);
}

// check_placement, determinism, and never worse under the split than minmax_swap on the fitted loads
// (EPLB's counts are its first candidate, and minmax_swap's search its last step).
TEST(JointMinMax, InvariantsAndNeverWorseInSample) {
    const ExpertLoad load = test::random_load(6, 256, 11, 1.0);
    for (const PlacementSpec spec : {PlacementSpec{288, 8, 18, 144}, PlacementSpec{288, 8, 4, 32},
                                     PlacementSpec{300, 8, 9, 72}, PlacementSpec{256, 8, 4, 32}}) {
        const Placement a = find_placement_policy("joint_minmax").place(load, spec);
        const Placement b = find_placement_policy("joint_minmax").place(load, spec);
        check_placement(a, spec);
        EXPECT_EQ(a.phy2log, b.phy2log);
        const Placement m = find_placement_policy("minmax_swap").place(load, spec);
        const auto ja     = busiest_over_mean(a, spec, load, ReplicaSplitModel::MinMax);
        const auto jm     = busiest_over_mean(m, spec, load, ReplicaSplitModel::MinMax);
        // Per layer the two searches may end in different local optima; on the mean the joint one
        // starts from the better candidate.
        EXPECT_LE(ja.mean_ratio, jm.mean_ratio + 2e-3) << spec;
    }
}

// The two recorded decode runs at the decode unit (144 GPUs, 288 slots) under the min-max split.
TEST(JointMinMax, RecordedDecodeInAndOutOfSample) {
    const auto dir = test::shared_loads_dir();
    if (!std::filesystem::is_directory(dir)) GTEST_SKIP() << dir << " not present";
    const ExpertLoad a = drop_empty_layers(load_expert_load(dir / "decode_in1000out1000.json"));
    const ExpertLoad b = drop_empty_layers(load_expert_load(dir / "decode_in2000out100.json"));
    const PlacementSpec spec{288, 8, 18, 144};
    double out = 0, in = 0, in_mm = 0;
    for (const auto& [fit, eval] : {std::pair{&a, &b}, std::pair{&b, &a}}) {
        const Placement p = find_placement_policy("joint_minmax").place(*fit, spec);
        const Placement m = find_placement_policy("minmax_swap").place(*fit, spec);
        out += busiest_over_mean(p, spec, *eval, ReplicaSplitModel::MinMax).mean_ratio / 2;
        in += busiest_over_mean(p, spec, *fit, ReplicaSplitModel::MinMax).mean_ratio / 2;
        in_mm += busiest_over_mean(m, spec, *fit, ReplicaSplitModel::MinMax).mean_ratio / 2;
    }
    std::printf("joint_minmax in-sample %.4f (minmax_swap %.4f), out of sample %.4f\n", in, in_mm, out);
    // Measured (this commit): in sample below minmax_swap's 1.1609; out of sample 1.9042 (minmax_swap
    // 1.8995): the out-of-sample loss is the runs' differing loads (joint_minmax.cpp NOTES).
    EXPECT_LT(in, in_mm);
    EXPECT_NEAR(out, 1.9042, 0.01);
}

} // namespace
} // namespace moetwin::balancer
