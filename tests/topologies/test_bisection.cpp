// SPDX-License-Identifier: Apache-2.0
// Bisection bandwidth against hand-computed values.
#include "topologies/bisection.hpp"
#include "topologies/h800_cluster.hpp"

#include <gtest/gtest.h>

namespace moetwin {
namespace {

ClusterSpec spec(FabricKind fabric, int nodes) {
    ClusterSpec s;
    s.fabric    = fabric;
    s.num_nodes = nodes;
    return s;
}

TEST(Bisection, SingleNodeCutsFourNvlinkPorts) {
    EXPECT_DOUBLE_EQ(bisection_bandwidth_Bps(build_cluster(spec(FabricKind::SingleNode, 1))), 4 * 160e9);
}

TEST(Bisection, TwoNodesCutEightNics) {
    EXPECT_DOUBLE_EQ(bisection_bandwidth_Bps(build_cluster(spec(FabricKind::FatTree2, 2))), 8 * 50e9);
    EXPECT_DOUBLE_EQ(bisection_bandwidth_Bps(build_cluster(spec(FabricKind::MultiPlane, 2))), 8 * 50e9);
}

TEST(Bisection, FullFatTreeIsNonBlocking) {
    // 2,048 endpoints, full bisection: 1,024 NICs x 50 GB/s.
    EXPECT_DOUBLE_EQ(bisection_bandwidth_Bps(build_cluster(spec(FabricKind::FatTree2, 256))), 1024 * 50e9);
    EXPECT_DOUBLE_EQ(bisection_bandwidth_Bps(build_cluster(spec(FabricKind::RailOptimized, 64))), 256 * 50e9);
}

} // namespace
} // namespace moetwin
