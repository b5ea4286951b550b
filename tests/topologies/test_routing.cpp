// SPDX-License-Identifier: Apache-2.0
// Routes: hop counts and latencies computed by hand, every pair routable as a graph walk, ECMP.
#include "topologies/h800_cluster.hpp"
#include "topologies/route_table.hpp"
#include "topologies/routing.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>

namespace moetwin {
namespace {

ClusterSpec spec(FabricKind fabric, int nodes) {
    ClusterSpec s;
    s.fabric    = fabric;
    s.num_nodes = nodes;
    return s;
}

void expect_all_pairs_routable(const Topology& t, RoutePolicy policy) {
    const Router r(t);
    for (int a = 0; a < t.num_gpus(); ++a)
        for (int b = 0; b < t.num_gpus(); ++b) {
            const Route route = r.route(a, b, policy);
            ASSERT_TRUE(is_walk(t, t.gpu(a), t.gpu(b), route)) << a << " -> " << b;
            ASSERT_EQ(route.hops.empty(), a == b);
        }
}

TEST(Routing, EveryPairIsAWalkOnEveryFabric) {
    ClusterSpec nvl   = spec(FabricKind::Nvl72, 3);
    nvl.gpus_per_node = nvl.nics_per_node = 24;
    for (const ClusterSpec& s : {spec(FabricKind::SingleNode, 1), spec(FabricKind::FatTree2, 6),
                                 spec(FabricKind::MultiPlane, 6), spec(FabricKind::RailOptimized, 5), nvl})
        for (RoutePolicy p : {RoutePolicy::NvlinkFirst, RoutePolicy::RdmaOnly}) {
            SCOPED_TRACE(std::string(to_string(s.fabric)));
            expect_all_pairs_routable(build_cluster(s), p);
        }
}

TEST(Routing, HopCountsAndLatenciesOnFatTree) {
    // 5 nodes: nodes 0-3 on leaf 0 (32 NICs), node 4 on leaf 1.
    const Topology t = build_cluster(spec(FabricKind::FatTree2, 5));
    const Router r(t);
    const Route same_node  = r.route(0, 7);
    const Route same_leaf  = r.route(0, 31);
    const Route cross_leaf = r.route(0, 32);
    EXPECT_EQ(same_node.hop_count(), 2);                        // GPU -> NVSwitch -> GPU
    EXPECT_EQ(same_leaf.hop_count(), 4);                        // PCIe, NIC->leaf, leaf->NIC, PCIe
    EXPECT_EQ(cross_leaf.hop_count(), 6);                       // + leaf->spine->leaf
    EXPECT_NEAR(route_latency_s(t, same_node), 3.33e-6, 1e-12); // ISCA'25 Table 5, NVLink
    EXPECT_NEAR(route_latency_s(t, same_leaf), 2.8e-6, 1e-12);  // IB same leaf
    EXPECT_NEAR(route_latency_s(t, cross_leaf), 3.7e-6, 1e-12); // IB cross leaf
    EXPECT_EQ(route_bottleneck_Bps(t, same_node), 160e9);
    EXPECT_EQ(route_bottleneck_Bps(t, same_leaf), 50e9);
    EXPECT_EQ(r.route(0, 7, RoutePolicy::RdmaOnly).hop_count(), 4); // hairpin at the leaf
}

TEST(Routing, MultiPlaneForwardsAcrossPlanesInsideTheSourceNode) {
    const Topology t = build_cluster(spec(FabricKind::MultiPlane, 4));
    const Router r(t);
    EXPECT_EQ(r.route(0, 8).hop_count(), 4); // rank 0 -> rank 0: plane 0 only
    const Route cross = r.route(0, 9);       // rank 0 on node 0 -> rank 1 on node 1
    ASSERT_EQ(cross.hop_count(), 6);         // NVLink to n0.gpu1, then plane 1
    EXPECT_EQ(t.link(cross.hops[0].link).kind, LinkKind::NvLink);
    EXPECT_EQ(t.link(cross.hops[3].link).plane, 1);
    EXPECT_NEAR(route_latency_s(t, cross), 3.33e-6 + 2.8e-6, 1e-12);
    EXPECT_EQ(r.route(0, 3, RoutePolicy::RdmaOnly).hop_count(), 2); // planes differ: NVLink, never the fabric
}

TEST(Routing, RailOptimizedCrossesRailsThroughTheSpine) {
    const Topology t = build_cluster(spec(FabricKind::RailOptimized, 2));
    const Router r(t);
    EXPECT_EQ(r.route(0, 8).hop_count(), 4); // rail 0 -> rail 0: one leaf
    EXPECT_EQ(r.route(0, 9).hop_count(), 6); // rail 0 -> rail 1: via a spine
    EXPECT_EQ(r.route(0, 1).hop_count(), 2); // same node: NVLink
}

TEST(Routing, DestinationModKGivesEveryDestinationItsOwnDownlink) {
    // 64 nodes = 512 NICs on 16 leaves of 32; 32 spines. D-mod-k: each spine->leaf trunk serves
    // one destination NIC, so downlinks never mix destinations.
    const Topology t = build_cluster(spec(FabricKind::FatTree2, 64));
    const Router r(t);
    std::map<LinkId, std::set<int>> dsts_per_downlink;
    for (int a = 0; a < t.num_gpus(); a += 7)
        for (int b = 0; b < t.num_gpus(); ++b)
            for (const Hop& h : r.route(a, b).hops)
                if (t.link(h.link).kind == LinkKind::IbTrunk && !h.up) dsts_per_downlink[h.link].insert(b);
    ASSERT_FALSE(dsts_per_downlink.empty());
    for (const auto& [link, dsts] : dsts_per_downlink)
        EXPECT_EQ(dsts.size(), 1u) << "trunk " << link;
}

TEST(Routing, PairHashSpreadsButCollides) {
    const Topology t = build_cluster(spec(FabricKind::FatTree2, 8));
    const Router r(t, {EcmpPolicy::PairHash});
    std::map<LinkId, int> flows_per_uplink;
    for (int a = 0; a < 32; ++a) // leaf 0 -> leaf 1, one flow per source
        for (const Hop& h : r.route(a, 32 + a).hops)
            if (t.link(h.link).kind == LinkKind::IbTrunk && h.up) ++flows_per_uplink[h.link];
    int max_flows = 0;
    for (const auto& [l, n] : flows_per_uplink)
        max_flows = std::max(max_flows, n);
    EXPECT_GT(flows_per_uplink.size(), 10u); // spread over many spines ...
    EXPECT_GT(max_flows, 1);                 // ... with collisions (32 balls in 32 bins)
}

TEST(RouteTable, GivesTheRoutersRoutesAndKeepsOffsetsAsItGrows) {
    for (FabricKind fabric : {FabricKind::FatTree2, FabricKind::MultiPlane}) {
        const Topology t = build_cluster(spec(fabric, 3));
        const Router r(t);
        RouteTable table(r);
        std::map<std::tuple<int, int, int>, RouteTable::Ref> first;
        for (RoutePolicy policy : {RoutePolicy::NvlinkFirst, RoutePolicy::RdmaOnly})
            for (int a = 0; a < t.num_gpus(); a += 5)
                for (int b = 0; b < t.num_gpus(); ++b) {
                    const std::span<const Hop> got = table.route(a, b, policy);
                    const Route want               = r.route(a, b, policy);
                    ASSERT_EQ(std::vector<Hop>(got.begin(), got.end()), want.hops) << a << " -> " << b;
                    first[{int(policy), a, b}] = table.ref(a, b, policy);
                }
        // Asked again after the store grew: the same ranges, and they still hold the routes.
        for (const auto& [key, ref] : first) {
            const auto [policy, a, b] = key;
            const RouteTable::Ref again = table.ref(a, b, RoutePolicy(policy));
            EXPECT_EQ(again.begin, ref.begin);
            EXPECT_EQ(again.length, ref.length);
            const auto& store = *table.store();
            EXPECT_EQ(std::vector<Hop>(store.begin() + ref.begin, store.begin() + ref.begin + ref.length),
                      r.route(a, b, RoutePolicy(policy)).hops);
        }
    }
}

} // namespace
} // namespace moetwin
