// SPDX-License-Identifier: Apache-2.0
// Issue 16: busiest/mean under load_aware's min-max split (split_metrics.hpp) and dynamic redundancy
// (active_set.hpp) and the sampled recent loads it may choose from (recent_load.hpp): hand-computed small cases,
// invariants on random loads, determinism, and the prefill target out of sample on the real recordings (skipped without
// ../shared).
#include "moe/expert_load_json.hpp"
#include "sim/balancer/active_set.hpp"
#include "sim/balancer/placement/policies.hpp"
#include "sim/balancer/recent_load.hpp"
#include "sim/balancer/split_metrics.hpp"
#include "test_helpers.hpp"

#include "common/errors.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <numeric>

namespace moetwin::balancer {
namespace {

// 2 GPUs × 2 slots: expert 0 on both GPUs, expert 1 on GPU 0, expert 2 on GPU 1; loads 6, 4, 0.
// Even split: GPU 0 = 3 + 4 = 7, GPU 1 = 3, mean 5 → 1.4. Min-max: expert 0 gives 1 to GPU 0 and
// 5 to GPU 1 → 5, 5 → 1.0.
TEST(SplitMetrics, MinMaxSplitHandComputed) {
    const PlacementSpec spec{4, 1, 1, 2};
    const Placement p = make_placement(1, 3, 4, {0, 1, 0, 2});
    const ExpertLoad load{1, 3, {6, 4, 0}};
    EXPECT_DOUBLE_EQ(busiest_over_mean(p, spec, load, ReplicaSplitModel::Even).mean_ratio, 1.4);
    EXPECT_DOUBLE_EQ(busiest_over_mean(p, spec, load, ReplicaSplitModel::MinMax).mean_ratio, 1.0);
    EXPECT_EQ(split_gpu_loads(p, spec, load, 0), (std::vector<double>{5, 5}));
    const ExpertLoad wrong{2, 3, {6, 4, 0, 1, 1, 1}};
    EXPECT_THROW(busiest_over_mean(p, spec, wrong, ReplicaSplitModel::MinMax), ConfigError);
}

TEST(SplitMetrics, MinMaxNeverAboveEvenOnRandomLoads) {
    const PlacementSpec spec{288, 8, 4, 32};
    const ExpertLoad load = test::random_load(6, 256, 7);
    const Placement p     = place_eplb_global(load, spec);
    const auto even       = busiest_over_mean(p, spec, load, ReplicaSplitModel::Even);
    const auto mm         = busiest_over_mean(p, spec, load, ReplicaSplitModel::MinMax);
    for (int l = 0; l < load.num_layers; ++l)
        EXPECT_LE(mm.layer_ratio[std::size_t(l)], even.layer_ratio[std::size_t(l)] + 1e-3) << l;
}

// Active 1 slot per GPU, base [0, 1], loads 3, 1 → priors 5, 3 (+ mean 2). Expert 0's copy goes to
// GPU 1 (the only one without it); hosted loads become 2.5 and 5.5, so expert 1's copy goes to GPU 0.
TEST(DynamicRedundancy, HostedSetHandComputed) {
    const PlacementSpec active{2, 1, 1, 2};
    const PlacementSpec hs = hosted_spec(active, 2);
    EXPECT_EQ(hs.num_slots, 4);
    const Placement hosted = place_hosted(make_placement(1, 2, 2, {0, 1}), active, hs, ExpertLoad{1, 2, {3, 1}});
    EXPECT_EQ(hosted.phy2log, (std::vector<int>{0, 1, 1, 0}));
    EXPECT_THROW(hosted_spec(active, 0), ConfigError); // fewer hosted than active
}

// 3 GPUs, 1 active of 2 hosted each: GPU 0 hosts [0, 1], GPUs 1 and 2 host [1, 0]; the start runs
// 0, 1, 1 and loads 10, 2 give 10, 1, 1. The only improving move activates expert 0 on GPU 1 in
// place of expert 1 (which keeps its replica on GPU 2): 5, 5, 2. Then no move lowers GPU 0's 5.
TEST(DynamicRedundancy, ActiveSetHandComputed) {
    const PlacementSpec active{3, 1, 1, 3};
    const PlacementSpec hs = hosted_spec(active, 2);
    const Placement hosted = make_placement(1, 2, 6, {0, 1, 1, 0, 1, 0});
    const ExpertLoad recent{1, 2, {10, 2}};
    const Placement p = select_active(hosted, hs, active, recent);
    EXPECT_EQ(p.phy2log, (std::vector<int>{0, 0, 1}));
    EXPECT_DOUBLE_EQ(busiest_over_mean(p, active, recent).mean_ratio, 5.0 / 4.0);
    // A start that leaves expert 1 without an active replica is refused.
    EXPECT_THROW(select_active(make_placement(1, 2, 6, {0, 1, 0, 1, 0, 1}), hs, active, recent), ConfigError);
}

// Invariants at both units on random loads, hosted fitted on one load and the active set chosen on
// another: a valid placement (every expert ≥ 1 replica, slots per GPU), each active expert hosted on
// its GPU, no GPU running an expert twice, the busiest GPU no heavier than the base's, determinism.
TEST(DynamicRedundancy, InvariantsAndDeterminism) {
    for (const PlacementSpec active : {PlacementSpec{288, 8, 18, 144}, PlacementSpec{288, 8, 4, 32}}) {
        const int H            = 2 * active.max_slots_per_gpu();
        const PlacementSpec hs = hosted_spec(active, H);
        const ExpertLoad fit   = test::random_load(4, 256, 11);
        const ExpertLoad eval  = test::random_load(4, 256, 12);
        const Placement base   = place_lpt_swap(fit, active);
        const Placement hosted = place_hosted(base, active, hs, fit);
        check_placement(hosted, hs);
        const Placement p = select_active(hosted, hs, active, eval);
        check_placement(p, active);
        EXPECT_EQ(p.phy2log, select_active(hosted, hs, active, eval).phy2log);
        EXPECT_EQ(hosted.phy2log, place_hosted(base, active, hs, fit).phy2log);
        for (int l = 0; l < p.num_layers; ++l) {
            for (int g = 0; g < active.num_gpus; ++g) {
                const auto row = p.slots(l), hrow = hosted.slots(l);
                std::vector<int> run(row.begin() + active.first_slot(g),
                                     row.begin() + active.first_slot(g) + active.slots_on_gpu(g));
                const std::vector<int> host(hrow.begin() + hs.first_slot(g), hrow.begin() + hs.first_slot(g) + H);
                for (int e : run)
                    EXPECT_NE(std::find(host.begin(), host.end(), e), host.end()) << "layer " << l << " GPU " << g;
                std::sort(run.begin(), run.end());
                EXPECT_EQ(std::adjacent_find(run.begin(), run.end()), run.end()) << "layer " << l << " GPU " << g;
            }
            const auto gp = gpu_loads(p, active, eval, l), gb = gpu_loads(base, active, eval, l);
            EXPECT_LE(*std::max_element(gp.begin(), gp.end()), *std::max_element(gb.begin(), gb.end()) * (1 + 1e-12));
        }
    }
}

// Every layer draws exactly steps × pairs_per_step pairs, only experts with load get any, the draw
// is deterministic per seed and its per-expert counts sit within 5 standard deviations of the mean
// (shares 0.5, 0.3, 0.2, 0: means 5e5, 3e5, 2e5 of 1e6 pairs); a small draw (10 pairs) uses the
// exact inversion and still sums to 10.
TEST(RecentLoad, MultinomialDraw) {
    const ExpertLoad load{2, 4, {50, 30, 20, 0, 0, 0, 0, 0}};
    RecentLoadSpec rs;
    rs.steps           = 10;
    rs.pairs_per_step  = 1e5;
    const ExpertLoad a = sample_recent_load(load, rs);
    EXPECT_EQ(a.tokens, sample_recent_load(load, rs).tokens);
    const auto row = a.layer(0);
    EXPECT_DOUBLE_EQ(std::accumulate(row.begin(), row.end(), 0.0), 1e6);
    EXPECT_EQ(row[3], 0.0);
    const double share[] = {0.5, 0.3, 0.2};
    for (int e = 0; e < 3; ++e)
        EXPECT_NEAR(row[std::size_t(e)], 1e6 * share[e], 5 * std::sqrt(1e6 * share[e] * (1 - share[e])));
    for (double x : a.layer(1))
        EXPECT_EQ(x, 0.0);
    rs.steps          = 1;
    rs.pairs_per_step = 10;
    const auto small  = sample_recent_load(load, rs);
    EXPECT_DOUBLE_EQ(std::accumulate(small.layer(0).begin(), small.layer(0).end(), 0.0), 10.0);
    EXPECT_EQ(kDecodePairsPerStep, 147456.0);
    rs.steps = 0;
    EXPECT_THROW(sample_recent_load(load, rs), ConfigError);
}

// Prefill unit (32 GPUs, 4 nodes, 288 slots = 9 active per GPU), 16 hosted per GPU (tech report):
// hosted fitted on prefill_in1024 with lpt_swap as the base, the active set chosen on each other
// recording and evaluated there under load_aware's min-max split: mean over the 7 runs ≤ 1.05 (issue
// 16's target) and below EPLB global fitted on the same run on every one.
TEST(DynamicRedundancy, PrefillTargetOutOfSample) {
    const auto dir = test::shared_loads_dir();
    if (!std::filesystem::is_directory(dir)) GTEST_SKIP() << dir << " not present";
    const PlacementSpec active{288, 8, 4, 32};
    const PlacementSpec hs = hosted_spec(active, 16);
    const ExpertLoad fit   = drop_empty_layers(load_expert_load(dir / "prefill_in1024.json"));
    const Placement hosted = place_hosted(place_lpt_swap(fit, active), active, hs, fit);
    const Placement eplb   = place_eplb_global(fit, active);
    double sum             = 0;
    int runs               = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        if (entry.path().extension() != ".json" || entry.path().filename() == "prefill_in1024.json") continue;
        SCOPED_TRACE(entry.path().filename().string());
        const ExpertLoad eval = drop_empty_layers(load_expert_load(entry.path()));
        const double dyn =
            busiest_over_mean(select_active(hosted, hs, active, eval), active, eval, ReplicaSplitModel::MinMax)
                .mean_ratio;
        EXPECT_LT(dyn, busiest_over_mean(eplb, active, eval, ReplicaSplitModel::MinMax).mean_ratio);
        sum += dyn, ++runs;
    }
    ASSERT_EQ(runs, 7);
    EXPECT_LE(sum / runs, 1.05);
}

} // namespace
} // namespace moetwin::balancer
