// SPDX-License-Identifier: Apache-2.0
// On every real DeepSeek-V3 recording (../shared/data/expert_load), our policies beat EPLB's
// busiest/mean at the prefill unit (32 GPUs, 4 nodes, 288 slots) and stay valid. Skipped without
// ../shared.
#include "moe/expert_load_json.hpp"
#include "sim/balancer/placement/policies.hpp"
#include "sim/balancer/placement_metrics.hpp"
#include "test_helpers.hpp"

#include <gtest/gtest.h>

#include <filesystem>

namespace moetwin::balancer {
namespace {

TEST(RealLoads, OursBeatEplbOnEveryRecording) {
    const auto dir = test::shared_loads_dir();
    if (!std::filesystem::is_directory(dir)) GTEST_SKIP() << dir << " not present";
    const PlacementSpec spec{288, 8, 4, 32};
    int files = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        if (entry.path().extension() != ".json") continue;
        SCOPED_TRACE(entry.path().filename().string());
        const ExpertLoad load = drop_empty_layers(load_expert_load(entry.path()));
        ASSERT_EQ(load.num_layers, 58);
        const double hier   = busiest_over_mean(place_eplb_hierarchical(load, spec), spec, load).mean_ratio;
        const double global = busiest_over_mean(place_eplb_global(load, spec), spec, load).mean_ratio;
        for (PlaceFn ours : {&place_lpt_swap, &place_group_affine}) {
            const Placement p = ours(load, spec);
            check_placement(p, spec);
            const BalanceSummary b = busiest_over_mean(p, spec, load);
            EXPECT_LT(b.mean_ratio, global);
            EXPECT_LT(b.mean_ratio, hier);
            EXPECT_LT(b.worst_ratio, 1.01);
        }
        ++files;
    }
    EXPECT_GE(files, 1);
}

} // namespace
} // namespace moetwin::balancer
