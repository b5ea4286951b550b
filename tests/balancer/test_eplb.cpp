// SPDX-License-Identifier: Apache-2.0
// EPLB re-implementation against the published README vector and reference §8's per-GPU loads.
#include "sim/balancer/placement/eplb_core.hpp"
#include "sim/balancer/placement/eplb_readme.hpp"
#include "sim/balancer/placement/policies.hpp"
#include "sim/balancer/placement_metrics.hpp"
#include "test_helpers.hpp"

#include "common/errors.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <vector>

namespace moetwin::balancer {
namespace {

using ::testing::DoubleNear;
using ::testing::ElementsAreArray;
using ::testing::Pointwise;

const PlacementSpec kReadmeSpec = eplb_readme::kSpec; // 16 replicas, 4 groups, 2 nodes, 8 GPUs

std::vector<int> row(const Placement& p, int l) {
    return {p.slots(l).begin(), p.slots(l).end()};
}

TEST(Eplb, HierarchicalReproducesReadmePhy2log) {
    const Placement p = place_eplb_hierarchical(test::readme_weight(), kReadmeSpec);
    EXPECT_THAT(row(p, 0), ElementsAreArray(eplb_readme::kHierarchicalPhy2log[0]));
    EXPECT_THAT(row(p, 1), ElementsAreArray(eplb_readme::kHierarchicalPhy2log[1]));
    check_placement(p, kReadmeSpec);
}

TEST(Eplb, HierarchicalPerGpuLoadsMatchReferenceTable) {
    const ExpertLoad w = test::readme_weight();
    const Placement p  = place_eplb_hierarchical(w, kReadmeSpec);
    EXPECT_THAT(gpu_loads(p, kReadmeSpec, w, 0), Pointwise(DoubleNear(1e-9), eplb_readme::kHierarchicalGpuLoads[0]));
    EXPECT_THAT(gpu_loads(p, kReadmeSpec, w, 1), Pointwise(DoubleNear(1e-9), eplb_readme::kHierarchicalGpuLoads[1]));
    const BalanceSummary b = busiest_over_mean(p, kReadmeSpec, w);
    EXPECT_NEAR(b.layer_ratio[0], 156 / 129.125, 1e-12);
    EXPECT_NEAR(b.layer_ratio[1], 179.5 / 144.5, 1e-12);
}

TEST(Eplb, GlobalMatchesReferenceTable) {
    const ExpertLoad w = test::readme_weight();
    const Placement p  = place_eplb_global(w, kReadmeSpec);
    EXPECT_THAT(row(p, 0), ElementsAreArray(eplb_readme::kGlobalPhy2log[0]));
    EXPECT_THAT(row(p, 1), ElementsAreArray(eplb_readme::kGlobalPhy2log[1]));
    EXPECT_THAT(gpu_loads(p, kReadmeSpec, w, 0), Pointwise(DoubleNear(1e-9), eplb_readme::kGlobalGpuLoads[0]));
    EXPECT_THAT(gpu_loads(p, kReadmeSpec, w, 1), Pointwise(DoubleNear(1e-9), eplb_readme::kGlobalGpuLoads[1]));
}

TEST(Eplb, Log2phyAndCountsAgreeWithPhy2log) {
    const Placement p = place_eplb_hierarchical(test::readme_weight(), kReadmeSpec);
    // Layer 0: experts 1, 4, 5 and 10 have two replicas (README logcnt).
    EXPECT_EQ(p.count(0, 5), 2);
    EXPECT_EQ(p.count(0, 7), 1);
    EXPECT_EQ(p.max_replicas, 2);
    for (int l = 0; l < 2; ++l)
        for (int e = 0; e < 12; ++e)
            for (int slot : p.replicas(l, e))
                EXPECT_EQ(p.slots(l)[slot], e);
}

TEST(Eplb, BalancedPackingPutsExactlyNPerPack) {
    std::vector<int> pack, rank;
    eplb::balanced_packing(std::vector<double>{5, 1, 4, 2, 3, 3}, 3, pack, rank);
    std::vector<int> per(3, 0);
    for (int p : pack)
        ++per[p];
    EXPECT_THAT(per, ElementsAreArray({2, 2, 2}));
    EXPECT_THAT(pack, ElementsAreArray({0, 0, 1, 1, 2, 2})); // 5→0, 4→1, 3→2, 3→2, 2→1, 1→0
}

TEST(Eplb, ReplicateGivesSlotsToLargestShare) {
    std::vector<int> phy2log, rank, count;
    eplb::replicate_experts(std::vector<double>{10, 30, 20}, 6, phy2log, rank, count);
    EXPECT_THAT(phy2log, ElementsAreArray({0, 1, 2, 1, 2, 1})); // 30 → 15 → 20 → 10 …
    EXPECT_THAT(count, ElementsAreArray({1, 3, 2}));
    EXPECT_THAT(rank, ElementsAreArray({0, 0, 0, 1, 1, 2}));
}

TEST(Eplb, HierarchicalRejectsGroupsNotDivisibleByNodes) {
    EXPECT_THROW(place_eplb_hierarchical(test::readme_weight(), PlacementSpec{18, 4, 3, 6}), ConfigError);
    EXPECT_NO_THROW(place_eplb_global(test::readme_weight(), PlacementSpec{18, 4, 3, 6}));
}

} // namespace
} // namespace moetwin::balancer
