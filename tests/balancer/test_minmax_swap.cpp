// SPDX-License-Identifier: Apache-2.0
// minmax_swap: a hand-computed case where the min-max split needs a different packing than the even
// split's, invariants on random and recorded loads, determinism, and the out-of-sample figure on
// the recorded decode runs (skips without ../shared).
#include "moe/expert_load_json.hpp"
#include "sim/balancer/placement.hpp"
#include "sim/balancer/split_metrics.hpp"
#include "test_helpers.hpp"

#include <gtest/gtest.h>

#include <cstdio>

namespace moetwin::balancer {
namespace {

// 3 GPUs × 2 slots, loads {30, 12, 12, 6} (total 60, mean GPU 20). EPLB's counts give expert 0 three
// replicas (30 → 15 → 10 per replica). lpt_swap (even split) packs 12+10 | 12+6 | 10+10: two
// replicas of expert 0 share GPU 2, so the min-max split pools only GPUs 0 and 2: (12 + 30) / 2 = 21
// → 21 / 20 = 1.05. With expert 0 on all three GPUs beside 12, 12 and 6 the split reaches 20 on
// every GPU (shares 8, 8, 14): 1.0, the optimum.
TEST(MinMaxSwap, HandComputedThreeGpus) {
    const ExpertLoad load{1, 4, {30, 12, 12, 6}};
    const PlacementSpec spec{6, 1, 1, 3};
    const Placement lpt = find_placement_policy("lpt_swap").place(load, spec);
    EXPECT_NEAR(busiest_over_mean(lpt, spec, load, ReplicaSplitModel::MinMax).mean_ratio, 21.0 / 20.0, 1e-12);
    const Placement mm = find_placement_policy("minmax_swap").place(load, spec);
    check_placement(mm, spec);
    EXPECT_EQ(mm.count(0, 0), 3);
    EXPECT_NEAR(busiest_over_mean(mm, spec, load, ReplicaSplitModel::MinMax).mean_ratio, 1.0, 1e-12);
    const auto g = split_gpu_loads(mm, spec, load, 0);
    EXPECT_EQ(g, (std::vector<double>{20, 20, 20}));
}

// Every expert ≥ 1 replica, each GPU its slot count (check_placement), deterministic, never worse
// under the min-max split than its own lpt_swap start on the loads it was fitted to.
TEST(MinMaxSwap, InvariantsAndDeterminism) {
    const ExpertLoad load = test::random_load(6, 256, 7, 1.0);
    for (const PlacementSpec spec : {PlacementSpec{288, 8, 18, 144}, PlacementSpec{288, 8, 4, 32},
                                     PlacementSpec{300, 8, 9, 72}, PlacementSpec{256, 8, 4, 32}}) {
        const Placement a = find_placement_policy("minmax_swap").place(load, spec);
        const Placement b = find_placement_policy("minmax_swap").place(load, spec);
        check_placement(a, spec);
        EXPECT_EQ(a.phy2log, b.phy2log);
        const Placement start = find_placement_policy("lpt_swap").place(load, spec);
        const auto mm         = busiest_over_mean(a, spec, load, ReplicaSplitModel::MinMax);
        const auto st         = busiest_over_mean(start, spec, load, ReplicaSplitModel::MinMax);
        for (int l = 0; l < load.num_layers; ++l)
            EXPECT_LE(mm.layer_ratio[std::size_t(l)], st.layer_ratio[std::size_t(l)] + 1e-12) << spec << " layer " << l;
    }
}

// Recorded decode runs at the decode unit (144 GPUs, 18 nodes, 288 slots), fitted on one and judged
// on the other under the min-max split (eval_balancer_targets' `minmax` column for these two runs).
TEST(MinMaxSwap, RecordedDecodeOutOfSample) {
    const auto dir = test::shared_loads_dir();
    if (!std::filesystem::is_directory(dir)) GTEST_SKIP() << dir << " not present";
    const ExpertLoad a = drop_empty_layers(load_expert_load(dir / "decode_in1000out1000.json"));
    const ExpertLoad b = drop_empty_layers(load_expert_load(dir / "decode_in2000out100.json"));
    const PlacementSpec spec{288, 8, 18, 144};
    double mm = 0, eplb = 0, in = 0;
    for (const auto& [fit, eval] : {std::pair{&a, &b}, std::pair{&b, &a}}) {
        const Placement p = find_placement_policy("minmax_swap").place(*fit, spec);
        const Placement e = find_placement_policy("eplb").place(*fit, spec);
        mm += busiest_over_mean(p, spec, *eval, ReplicaSplitModel::MinMax).mean_ratio / 2;
        eplb += busiest_over_mean(e, spec, *eval, ReplicaSplitModel::MinMax).mean_ratio / 2;
        in += busiest_over_mean(p, spec, *fit, ReplicaSplitModel::MinMax).mean_ratio / 2;
    }
    RecordProperty("minmax_swap_oos", std::to_string(mm));
    RecordProperty("eplb_oos", std::to_string(eplb));
    RecordProperty("minmax_swap_in_sample", std::to_string(in));
    std::printf("minmax_swap %.4f eplb %.4f in-sample %.4f\n", mm, eplb, in);
    // Measured (commit of this test): 1.8995 out of sample for both policies, 1.1609 in sample. The two
    // decode runs differ so much that fitting on one hardly helps on the other; the in-sample figure is
    // EPLB's counts' sorted-pairing optimum (1.1607 / 1.1659 per run, two items per GPU).
    EXPECT_NEAR(mm, 1.8995, 0.01);
    EXPECT_LE(mm, eplb + 1e-3);
    EXPECT_NEAR(in, 1.1609, 0.005);
}

} // namespace
} // namespace moetwin::balancer
