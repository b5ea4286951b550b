// SPDX-License-Identifier: Apache-2.0
// TrafficMatrix bookkeeping, DeepEP byte counts and the DeepEP-test routing generator.
#include "common/errors.hpp"
#include "sim/network/deepep.hpp"
#include "sim/network/moe_traffic.hpp"
#include "sim/network/traffic_matrix.hpp"
#include "sim/published/deepep_test_traffic.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace moetwin {
namespace {

TEST(NetworkTraffic, AddTokenDeduplicatesPerGpuAndPerNode) {
    TrafficMatrix t(16, 8);
    const std::vector<int> dst{3, 3, 5, 9, 9, 12, -1, 3}; // GPUs 3, 5 on node 0; 9, 12 on node 1; one masked
    t.add_token(0, dst);
    EXPECT_EQ(t.selections_at(0, 3), 3);
    EXPECT_EQ(t.tokens_at(0, 3), 1);
    EXPECT_EQ(t.tokens_at(0, 9), 1);
    EXPECT_EQ(t.node_tokens_at(0, 0), 1);
    EXPECT_EQ(t.node_tokens_at(0, 1), 1);
    EXPECT_EQ(t.total_selections(), 7);
    EXPECT_NO_THROW(t.validate());
}

TEST(NetworkTraffic, ValidateRejectsInconsistentCounts) {
    TrafficMatrix t(8, 8);
    t.tokens_at(0, 1) = 2; // more tokens than selections
    EXPECT_THROW(t.validate(), ConfigError);
    EXPECT_THROW(TrafficMatrix(0, 8), ConfigError);
}

TEST(NetworkTraffic, UniformTrafficIsConsistent) {
    const TrafficMatrix t = uniform_traffic(16, 8, 4);
    EXPECT_NO_THROW(t.validate());
    EXPECT_EQ(t.node_tokens_at(0, 1), 32);
    EXPECT_EQ(t.node_tokens_at(0, 0), 28); // seven peers on its own node
}

TEST(NetworkTraffic, DeepEpMessageSizesAsDeepEpCountsThem) {
    const DeepEpShape s;                                 // hidden 7168, top-8, FP8 dispatch
    EXPECT_EQ(ll_dispatch_bytes_per_selection(s), 7408); // 7168 + 56 x 4 + 16 (reference §5.2)
    EXPECT_EQ(ll_combine_bytes_per_selection(s), 14336); // 7168 x 2
    EXPECT_DOUBLE_EQ(normal_metric_bytes_per_token(s, CommDirection::Dispatch), 7392); // x fp8_factor
    EXPECT_DOUBLE_EQ(normal_metric_bytes_per_token(s, CommDirection::Combine), 14336);
    EXPECT_EQ(rdma_token_bytes(s, CommDirection::Dispatch), 7472); // align16(7168 + 224 + 64 + 8)
    EXPECT_EQ(rdma_token_bytes(s, CommDirection::Combine), 14384); // align16(14336 + 32 + 8)
    EXPECT_EQ(nvl_token_bytes(s, CommDirection::Dispatch), 7464);
}

TEST(NetworkTraffic, NormalTestRoutingIsNodeLimited) {
    const DeepEpTestSettings s = deepep_normal_test(64);
    EXPECT_EQ(s.num_topk_groups, 4);
    EXPECT_EQ(s.num_experts, 256);
    const TrafficMatrix t = deepep_test_traffic(s);
    for (int r = 0; r < 64; r += 9) {
        std::int64_t node_tokens = 0, selections = 0;
        for (int m = 0; m < t.num_nodes(); ++m)
            node_tokens += t.node_tokens_at(r, m);
        for (int d = 0; d < 64; ++d)
            selections += t.selections_at(r, d);
        EXPECT_EQ(selections, 4096 * 8);
        EXPECT_LE(node_tokens, 4096 * 4); // at most min(nodes, 4) nodes per token
        EXPECT_GT(node_tokens, 4096 * 3); // top-8 over 4 nodes touches ~3.6 of them
    }
}

TEST(NetworkTraffic, LowLatencyTestRoutingMasksTenSelections) {
    const DeepEpTestSettings s = deepep_low_latency_test(64);
    EXPECT_EQ(s.num_experts, 320); // 288 rounded up to a multiple of 64
    const TrafficMatrix t   = deepep_test_traffic(s);
    std::int64_t selections = 0;
    for (int d = 0; d < 64; ++d)
        selections += t.selections_at(0, d);
    EXPECT_LE(selections, 128 * 8);
    EXPECT_GE(selections, 128 * 8 - 10);
}

TEST(NetworkTraffic, SkewedMoeTrafficIsSkewed) {
    MoeTrafficSettings s;
    s.num_ranks           = 32;
    const TrafficMatrix t = sample_moe_traffic(s);
    EXPECT_NO_THROW(t.validate());
    EXPECT_EQ(t.total_selections(), 32 * 128 * 8);
    std::int64_t hottest = 0;
    for (int d = 0; d < 32; ++d) {
        std::int64_t in = 0;
        for (int src = 0; src < 32; ++src)
            in += t.selections_at(src, d);
        hottest = std::max(hottest, in);
    }
    EXPECT_GT(double(hottest), 1.05 * 128 * 8); // the placement balances, but not perfectly
}

} // namespace
} // namespace moetwin
