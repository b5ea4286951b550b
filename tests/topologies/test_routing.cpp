// SPDX-License-Identifier: Apache-2.0
// Routes: hop counts and latencies computed by hand, every pair routable as a graph walk, ECMP.
#include "topologies/cluster_builder.hpp"
#include "topologies/route_table.hpp"
#include "topologies/routing.hpp"
#include "topologies/topology_graph.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

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
            const auto [policy, a, b]   = key;
            const RouteTable::Ref again = table.ref(a, b, RoutePolicy(policy));
            EXPECT_EQ(again.begin, ref.begin);
            EXPECT_EQ(again.length, ref.length);
            const auto& store = *table.store();
            EXPECT_EQ(std::vector<Hop>(store.begin() + ref.begin, store.begin() + ref.begin + ref.length),
                      r.route(a, b, RoutePolicy(policy)).hops);
        }
    }
}

// The graph-search fallback (Router::search_route) against the structural fast path on every shipped
// fabric, with small switches so that routes cross leaves and spines: for every ordered GPU pair and both
// policies the search finds a walk of the structural route's hop count, and no walk is shorter than the
// structural route (the search is breadth-first, so its hop count is the shortest).
TEST(Routing, GraphSearchMatchesStructuralHopCountsOnEveryFabric) {
    ClusterSpec nvl   = spec(FabricKind::Nvl72, 3);
    nvl.gpus_per_node = nvl.nics_per_node = 24;
    std::vector<ClusterSpec> specs        = {spec(FabricKind::SingleNode, 1), spec(FabricKind::FatTree2, 6),
                                             spec(FabricKind::MultiPlane, 6), spec(FabricKind::RailOptimized, 5), nvl};
    for (ClusterSpec& s : specs)
        if (s.fabric != FabricKind::SingleNode) s.switch_ports = 16; // several leaves per plane
    for (const ClusterSpec& s : specs) {
        SCOPED_TRACE(std::string(to_string(s.fabric)));
        const Topology t = build_cluster(s);
        const Router r(t);
        ASSERT_TRUE(r.structural());
        if (s.fabric != FabricKind::SingleNode) ASSERT_GT(t.counts().leaf_switches, 1);
        for (RoutePolicy p : {RoutePolicy::NvlinkFirst, RoutePolicy::RdmaOnly})
            for (int a = 0; a < t.num_gpus(); ++a)
                for (int b = 0; b < t.num_gpus(); ++b) {
                    const Route structural = r.route(a, b, p);
                    Route searched;
                    r.search_route(a, b, p, searched.hops);
                    ASSERT_TRUE(is_walk(t, t.gpu(a), t.gpu(b), searched)) << a << " -> " << b;
                    ASSERT_EQ(searched.hop_count(), structural.hop_count()) << a << " -> " << b << " policy " << int(p);
                }
    }
}

// A fabric the structural path does not know: four PCIe-only GPUs (no NVSwitch), each with its own NIC, on
// two leaves joined by two spines whose trunks differ (25 and 50 GB/s). The Router falls back to the graph
// search; RouteTable caches its routes.
TEST(Routing, ToyFabricWithoutStructuralRoutingIsRoutedBySearch) {
    TopologyGraph g;
    const LinkParams pcie{64e9, 0}, access{50e9, 1e-6};
    DeviceId leaf[2], spine[2];
    for (int i = 0; i < 2; ++i) {
        leaf[i]  = g.add_device({DeviceKind::LeafSwitch, "leaf" + std::to_string(i), -1, -1, 0, i});
        spine[i] = g.add_device({DeviceKind::SpineSwitch, "spine" + std::to_string(i), -1, -1, 0, i});
    }
    for (int i = 0; i < 4; ++i) {
        const DeviceId gpu = g.add_device({DeviceKind::Gpu, "gpu" + std::to_string(i), i, 0, -1, i});
        const DeviceId nic = g.add_device({DeviceKind::Nic, "nic" + std::to_string(i), i, 0, 0, i});
        g.add_link(gpu, nic, {LinkKind::Pcie, pcie.bandwidth_Bps, pcie.latency_s, -1, -1});
        g.add_link(nic, leaf[i / 2], {LinkKind::IbAccess, access.bandwidth_Bps, access.latency_s, 0, -1});
    }
    for (int l = 0; l < 2; ++l)
        for (int s = 0; s < 2; ++s) // spine 0: 25 GB/s trunks, spine 1: 50 GB/s
            g.add_link(leaf[l], spine[s], {LinkKind::IbTrunk, s == 0 ? 25e9 : 50e9, 1e-6, 0, -1});
    ClusterSpec cs;
    cs.fabric        = FabricKind::FatTree2;
    cs.num_nodes     = 4;
    cs.gpus_per_node = cs.nics_per_node = 1;
    const Topology t(cs, std::move(g));
    const Router r(t);
    EXPECT_FALSE(r.structural());

    // Same leaf: pcie, access up, access down, pcie = 4 hops; 50 GB/s bottleneck.
    const Route near = r.route(0, 1);
    ASSERT_TRUE(is_walk(t, t.gpu(0), t.gpu(1), near));
    EXPECT_EQ(near.hop_count(), 4);
    // Across leaves: 6 hops through the 50 GB/s spine, never the 25 GB/s one.
    for (int a : {0, 1})
        for (int b : {2, 3}) {
            const Route far = r.route(a, b, RoutePolicy::RdmaOnly);
            ASSERT_TRUE(is_walk(t, t.gpu(a), t.gpu(b), far));
            EXPECT_EQ(far.hop_count(), 6);
            EXPECT_DOUBLE_EQ(route_bottleneck_Bps(t, far), 50e9);
        }
    // Cached: the table's hops are the router's, and a second lookup reuses the first range.
    RouteTable table(r);
    const auto first = table.ref(3, 0, RoutePolicy::NvlinkFirst);
    const auto again = table.ref(3, 0, RoutePolicy::NvlinkFirst);
    EXPECT_EQ(first.begin, again.begin);
    EXPECT_EQ(first.length, 6u);
    const auto hops = table.route(3, 0, RoutePolicy::NvlinkFirst);
    EXPECT_EQ(std::vector<Hop>(hops.begin(), hops.end()), r.route(3, 0).hops);
}

} // namespace
} // namespace moetwin
