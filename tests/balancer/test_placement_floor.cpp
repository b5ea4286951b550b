// SPDX-License-Identifier: Apache-2.0
// busiest_load_floor: never above the exhaustive optimum (every placement of small units, each
// split by the exact min-max flow), equal to it on the named hand cases, and the recorded decode
// and prefill runs' floors (skip without ../shared).
#include "common/errors.hpp"
#include "exhaustive_optimum.hpp"
#include "moe/expert_load_json.hpp"
#include "sim/balancer/dispatch/min_max_flow.hpp"
#include "sim/balancer/placement.hpp"
#include "sim/balancer/placement_floor.hpp"
#include "sim/balancer/split_metrics.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <random>

namespace moetwin::balancer {
namespace {

using test::exhaustive_optimum;

double floor_of(const std::vector<int64_t>& loads, int gpus, int k) {
    const std::vector<double> d(loads.begin(), loads.end());
    return busiest_load_floor(d, PlacementSpec{gpus * k, 1, 1, gpus});
}

// Cases where the floor is the optimum. Five experts of 10 on 3 GPUs × 2 slots: the mean is 16.7, but
// below 20 every expert is heavier than T / 2, at most 3 of the 5 may stay whole beside a lighter
// piece and the one spare slot splits only one: (H_1) fails; {10, 10} | {10, 10} | {10} gives 20.
// Three experts of 6 on 2 × 2 (the mean, 9: {6, 3} | {3, 6}); {30, 10, 10, 10} on 3 × 2 (the mean,
// 20: the 30 split over three GPUs); five of 10 on 2 GPUs × 3 slots (the mean, 25, one split);
// {40, 1, 1, 1} on 2 × 2 ((S): the 40 needs two slots, the others three: 20.5 continuous, 21 whole).
TEST(PlacementFloor, EqualsTheOptimumOnHandCases) {
    EXPECT_EQ(exhaustive_optimum({10, 10, 10, 10, 10}, 3, 2), 20);
    EXPECT_NEAR(floor_of({10, 10, 10, 10, 10}, 3, 2), 20.0, 1e-6);
    EXPECT_EQ(exhaustive_optimum({6, 6, 6}, 2, 2), 9);
    EXPECT_NEAR(floor_of({6, 6, 6}, 2, 2), 9.0, 1e-6);
    EXPECT_EQ(exhaustive_optimum({30, 10, 10, 10}, 3, 2), 20);
    EXPECT_NEAR(floor_of({30, 10, 10, 10}, 3, 2), 20.0, 1e-6);
    EXPECT_EQ(exhaustive_optimum({10, 10, 10, 10, 10}, 2, 3), 25);
    EXPECT_NEAR(floor_of({10, 10, 10, 10, 10}, 2, 3), 25.0, 1e-6);
}

// joint_minmax's hand case (test_joint_minmax.cpp): optimum 25, the floor only the mean (24): where
// the bound is loose, it stays below.
TEST(PlacementFloor, BelowTheOptimumWhereLoose) {
    EXPECT_EQ(exhaustive_optimum({18, 14, 20, 18, 2}, 3, 2), 25);
    EXPECT_NEAR(floor_of({18, 14, 20, 18, 2}, 3, 2), 24.0, 1e-6);
}

// Random small units (2 and 3 slots per GPU): the floor never exceeds the exhaustive optimum.
TEST(PlacementFloor, NeverAboveTheExhaustiveOptimum) {
    std::mt19937 rng(7);
    struct Shape {
        int experts, gpus, k;
    };
    int above_mean = 0, exact = 0, cases = 0;
    for (const Shape s : {Shape{4, 3, 2}, Shape{5, 3, 2}, Shape{5, 4, 2}, Shape{4, 2, 3}, Shape{5, 2, 3}})
        for (int trial = 0; trial < 12; ++trial) {
            std::vector<int64_t> loads(std::size_t(s.experts));
            const bool skewed = trial % 2;
            for (auto& l : loads)
                l = skewed ? int64_t(1 + rng() % 4) * int64_t(1 + rng() % 10) : int64_t(5 + rng() % 10);
            const int64_t opt = exhaustive_optimum(loads, s.gpus, s.k);
            const double f    = floor_of(loads, s.gpus, s.k);
            int64_t total     = 0;
            for (auto l : loads)
                total += l;
            EXPECT_LE(f, double(opt) + 1e-9) << s.experts << " experts, " << s.gpus << " × " << s.k;
            above_mean += f > double(total) / s.gpus + 1e-6;
            exact += std::abs(f - double(opt)) < 1e-6;
            ++cases;
        }
    std::printf("floor above the mean in %d of %d random cases, equal to the optimum in %d\n", above_mean, cases,
                exact);
}

TEST(PlacementFloor, RejectsNegativeLoads) {
    const std::vector<double> bad{1, -1, 2};
    EXPECT_THROW(busiest_load_floor(bad, PlacementSpec{4, 1, 1, 2}), ConfigError);
}

// The recorded runs: the floor under every placement of the production units, in sample.
TEST(PlacementFloor, RecordedRuns) {
    const std::filesystem::path dir = std::filesystem::path(MOETWIN_SHARED_DIR) / "data/expert_load";
    if (!std::filesystem::exists(dir / "decode_in1000out1000.json")) GTEST_SKIP() << "no ../shared";
    const PlacementSpec decode{288, 8, 18, 144}, prefill{288, 8, 4, 32};
    for (const char* run : {"decode_in1000out1000", "decode_in2000out100", "prefill_in2048"}) {
        const ExpertLoad l        = drop_empty_layers(load_expert_load(dir / (std::string(run) + ".json")));
        const PlacementSpec& spec = run[0] == 'd' ? decode : prefill;
        const double f            = placement_floor(l, spec).mean_ratio;
        const double eplb =
            busiest_over_mean(find_placement_policy("eplb_global").place(l, spec), spec, l, ReplicaSplitModel::MinMax)
                .mean_ratio;
        std::printf("%s: floor %.4f, eplb_global %.4f\n", run, f, eplb);
        EXPECT_LE(f, eplb + 1e-9);
        EXPECT_GE(f, 1.0);
    }
}

} // namespace
} // namespace moetwin::balancer
