// SPDX-License-Identifier: Apache-2.0
// partition_lp_floor: never above the exhaustive optimum of small 2-slot units and never below the
// shipped floor; tighter than it where that is loose (joint_minmax's hand case); refused where it does
// not apply; and the recorded decode run's first layers (skip without ../shared).
#include "common/errors.hpp"
#include "exhaustive_optimum.hpp"
#include "moe/expert_load_json.hpp"
#include "sim/balancer/partition_lp_floor.hpp"
#include "sim/balancer/placement.hpp"
#include "sim/balancer/placement_floor.hpp"
#include "sim/balancer/split_metrics.hpp"
#include "test_helpers.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <random>

namespace moetwin::balancer {
namespace {

double lp_floor_of(const std::vector<int64_t>& loads, int gpus) {
    const std::vector<double> d(loads.begin(), loads.end());
    return partition_lp_floor(d, PlacementSpec{2 * gpus, 1, 1, gpus});
}

// 40 random small units (the exhaustive optimum covers every placement, cycles and duplicates
// included): floor ≤ LP floor ≤ optimum, and the LP floor is strictly tighter in some.
TEST(PartitionLpFloor, BetweenTheFloorAndTheExhaustiveOptimum) {
    std::mt19937 rng(5);
    int tighter = 0, cases = 0;
    for (const auto [experts, gpus] : {std::pair{4, 3}, std::pair{5, 3}, std::pair{5, 4}, std::pair{6, 4}})
        for (int trial = 0; trial < 10; ++trial) {
            std::vector<int64_t> loads(std::size_t(experts), 0);
            for (auto& l : loads)
                l = trial % 2 ? int64_t(1 + rng() % 4) * int64_t(1 + rng() % 10) : int64_t(5 + rng() % 10);
            const std::vector<double> d(loads.begin(), loads.end());
            const double fl = busiest_load_floor(d, PlacementSpec{2 * gpus, 1, 1, gpus});
            const double lp = lp_floor_of(loads, gpus);
            const auto opt  = double(test::exhaustive_optimum(loads, gpus, 2));
            EXPECT_GE(lp, fl - 1e-9) << experts << " experts on " << gpus << " GPUs, trial " << trial;
            EXPECT_LE(lp, opt + 1e-9) << experts << " experts on " << gpus << " GPUs, trial " << trial;
            tighter += lp > fl + 1e-6;
            ++cases;
        }
    std::printf("LP floor above the shipped floor in %d of %d random units\n", tighter, cases);
    EXPECT_GT(tighter, 0);
}

// joint_minmax's hand case: loads 18, 14, 20, 18, 2 on 3 GPUs × 2 slots, optimum 25, shipped floor 24
// (the mean). In whole groups, at T < 25 the only pairs ≤ T hold the 2 and the other three weigh more
// than 2T; the LP may take fractions of groups, so it proves less: measured 24.26, above the floor.
TEST(PartitionLpFloor, TighterThanTheFloorOnTheHandCase) {
    const double lp = lp_floor_of({18, 14, 20, 18, 2}, 3);
    EXPECT_GT(lp, 24.2);
    EXPECT_LE(lp, 25.0 + 1e-9);
}

TEST(PartitionLpFloor, RefusedWhereItDoesNotApply) {
    const std::vector<double> loads(256, 1.0);
    EXPECT_THROW(partition_lp_floor(loads, PlacementSpec{288, 8, 4, 32}), ConfigError);   // 9 slots per GPU
    EXPECT_THROW(partition_lp_floor(loads, PlacementSpec{512, 8, 32, 256}), ConfigError); // as many GPUs as experts
    EXPECT_FALSE(lp_floor_applies(PlacementSpec{288, 8, 4, 32}, 256));
    EXPECT_TRUE(lp_floor_applies(PlacementSpec{288, 8, 18, 144}, 256));
    EXPECT_THROW(partition_lp_floor(std::vector<double>{1, -1, 1}, PlacementSpec{4, 1, 1, 2}), ConfigError);
}

// The first 4 MoE layers of decode_in1000out1000 at the decode unit: above the shipped floor and
// below what tree_partition reaches on each layer.
TEST(PartitionLpFloor, RecordedDecodeLayers) {
    const auto dir = test::shared_loads_dir();
    if (!std::filesystem::is_directory(dir)) GTEST_SKIP() << dir << " not present";
    const ExpertLoad all = drop_empty_layers(load_expert_load(dir / "decode_in1000out1000.json"));
    ExpertLoad load{4, all.num_experts, {all.tokens.begin(), all.tokens.begin() + 4 * all.num_experts}};
    const PlacementSpec spec{288, 8, 18, 144};
    const FloorSummary lp = partition_lp_floor(load, spec);
    const FloorSummary fl = placement_floor(load, spec);
    const auto tree       = busiest_over_mean(find_placement_policy("tree_partition").place(load, spec), spec, load,
                                              ReplicaSplitModel::MinMax);
    for (int l = 0; l < 4; ++l) {
        std::printf("layer %d: floor %.4f, LP floor %.4f, tree_partition %.4f\n", l, fl.layer_ratio[std::size_t(l)],
                    lp.layer_ratio[std::size_t(l)], tree.layer_ratio[std::size_t(l)]);
        EXPECT_GE(lp.layer_ratio[std::size_t(l)], fl.layer_ratio[std::size_t(l)] - 1e-9);
        EXPECT_LE(lp.layer_ratio[std::size_t(l)], tree.layer_ratio[std::size_t(l)] + 1e-9);
    }
    // Measured (this commit): 1.1309, 1.1144, 1.0977, 1.0656 against the floor's 1.0892, 1.0222, 1.0327, 1.0000.
    EXPECT_GT(lp.mean_ratio, fl.mean_ratio + 0.04);
}

} // namespace
} // namespace moetwin::balancer
