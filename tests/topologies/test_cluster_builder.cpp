// SPDX-License-Identifier: Apache-2.0
// Device and link counts per fabric, against hand counts and ISCA'25 Table 3 (FT2, MPFT).
#include "common/errors.hpp"
#include "topologies/cluster_builder.hpp"
#include "topologies/routing.hpp"
#include "topologies/topology_export.hpp"

#include <gtest/gtest.h>

#include <sstream>

namespace moetwin {
namespace {

ClusterSpec spec(FabricKind fabric, int nodes) {
    ClusterSpec s;
    s.fabric    = fabric;
    s.num_nodes = nodes;
    return s;
}

TEST(H800Cluster, SingleNodeHasNvlinkOnly) {
    const Topology t       = build_cluster(spec(FabricKind::SingleNode, 1));
    const TopologyCounts c = t.counts();
    EXPECT_EQ(c.gpus, 8);
    EXPECT_EQ(c.nvswitches, 1);
    EXPECT_EQ(c.nvlinks, 8);
    EXPECT_EQ(c.nics, 0);
    EXPECT_EQ(c.switches(), 0);
    EXPECT_EQ(t.link(0).bandwidth_Bps, 160e9);
    EXPECT_DOUBLE_EQ(t.link(0).latency_s, 3.33e-6 / 2);
}

TEST(PcieBox, TwoSocketsJoinedByTheHostBridge) {
    ClusterSpec s          = spec(FabricKind::SingleNode, 1);
    s.nvlink               = {31.5e9, 0.0};
    s.host_bridge          = {kUpiIceLakeBps, 0.0};
    const Topology t       = build_cluster(s);
    const TopologyCounts c = t.counts();
    EXPECT_EQ(c.nvswitches, 2); // the two root complexes
    EXPECT_EQ(c.nvlinks, 8);    // each GPU's PCIe x16 port
    EXPECT_EQ(c.host_bridge_links, 1);
    EXPECT_DOUBLE_EQ(kUpiIceLakeBps, 67.2e9);
    const Router r(t);
    EXPECT_FALSE(r.structural());
    EXPECT_EQ(r.route(0, 3).hop_count(), 2); // same socket: through its root complex
    const Route cross = r.route(0, 4);       // GPU 4 is on socket 1
    ASSERT_EQ(cross.hop_count(), 3);
    EXPECT_EQ(t.link(cross.hops[1].link).kind, LinkKind::HostBridge);
    EXPECT_EQ(r.route(7, 2).hop_count(), 3);
    // A host bridge belongs to one node without NVSwitch.
    s.fabric    = FabricKind::FatTree2;
    s.num_nodes = 2;
    EXPECT_THROW(build_cluster(s), ConfigError);
}

TEST(H800Cluster, FatTreeTwoNodesIsOneLeaf) {
    const TopologyCounts c = build_cluster(spec(FabricKind::FatTree2, 2)).counts();
    EXPECT_EQ(c.gpus, 16);
    EXPECT_EQ(c.nics, 16);
    EXPECT_EQ(c.pcie_links, 16);
    EXPECT_EQ(c.leaf_switches, 1);
    EXPECT_EQ(c.spine_switches, 0);
    EXPECT_EQ(c.ib_access_links, 16);
    EXPECT_EQ(c.ib_trunk_links, 0);
}

TEST(H800Cluster, FatTreeMatchesIscaTable3) {
    // ISCA'25 Table 3, FT2: 2,048 endpoints, 96 switches, 2,048 (switch-switch) links.
    const TopologyCounts c = build_cluster(spec(FabricKind::FatTree2, 256)).counts();
    EXPECT_EQ(c.nics, 2048);
    EXPECT_EQ(c.leaf_switches, 64);
    EXPECT_EQ(c.spine_switches, 32);
    EXPECT_EQ(c.switches(), 96);
    EXPECT_EQ(c.ib_trunk_links, 2048);
}

TEST(H800Cluster, MultiPlaneMatchesIscaTable3) {
    // ISCA'25 Table 3, MPFT: 16,384 endpoints, 768 switches, 16,384 links (8 planes x FT2).
    const Topology t       = build_cluster(spec(FabricKind::MultiPlane, 2048));
    const TopologyCounts c = t.counts();
    EXPECT_EQ(c.gpus, 16384);
    EXPECT_EQ(c.nics, 16384);
    EXPECT_EQ(c.switches(), 768);
    EXPECT_EQ(c.ib_trunk_links, 16384);
    EXPECT_EQ(c.ib_access_links, 16384);
    EXPECT_EQ(t.num_planes(), 8);
}

TEST(H800Cluster, MultiPlaneSmallHasOneLeafPerPlane) {
    const Topology t       = build_cluster(spec(FabricKind::MultiPlane, 4));
    const TopologyCounts c = t.counts();
    EXPECT_EQ(c.leaf_switches, 8);
    EXPECT_EQ(c.spine_switches, 0);
    for (LinkId id = 0; id < t.num_links(); ++id) {
        if (t.link(id).kind != LinkKind::IbAccess) continue;
        EXPECT_EQ(t.device(t.ends(id).lower).local_rank, t.device(t.ends(id).upper).plane); // NIC k on plane k
    }
}

TEST(H800Cluster, RailOptimizedHasOneLeafPerRailAndUnit) {
    // 40 nodes = 2 scalable units of 32 nodes; 8 rails -> 16 leaves, 32 spines shared by all rails.
    const TopologyCounts c = build_cluster(spec(FabricKind::RailOptimized, 40)).counts();
    EXPECT_EQ(c.leaf_switches, 16);
    EXPECT_EQ(c.spine_switches, 32);
    EXPECT_EQ(c.ib_trunk_links, 16 * 32);
    EXPECT_EQ(c.ib_access_links, 320);
}

TEST(H800Cluster, Nvl72DomainsShareOneNvswitch) {
    ClusterSpec s          = spec(FabricKind::Nvl72, 2);
    s.gpus_per_node        = 72;
    s.nics_per_node        = 72;
    const TopologyCounts c = build_cluster(s).counts();
    EXPECT_EQ(c.gpus, 144);
    EXPECT_EQ(c.nvswitches, 2);
    EXPECT_EQ(c.nvlinks, 144);
    EXPECT_EQ(c.leaf_switches, 5); // ceil(144 / 32)
    EXPECT_EQ(c.spine_switches, 32);
}

TEST(H800Cluster, RejectsWhatCannotBeBuilt) {
    EXPECT_THROW(build_cluster(spec(FabricKind::FatTree2, 257)), ConfigError);    // > 2,048 endpoints
    EXPECT_THROW(build_cluster(spec(FabricKind::MultiPlane, 2049)), ConfigError); // > 16,384
    EXPECT_THROW(build_cluster(spec(FabricKind::SingleNode, 2)), ConfigError);
    ClusterSpec s   = spec(FabricKind::FatTree2, 2);
    s.nics_per_node = 4;
    EXPECT_THROW(build_cluster(s), ConfigError);
}

TEST(H800Cluster, ExportsDotAndJson) {
    const Topology t = build_cluster(spec(FabricKind::FatTree2, 2));
    std::ostringstream dot, json;
    write_dot(t, dot);
    write_json(t, json);
    EXPECT_NE(dot.str().find("n1.gpu7"), std::string::npos);
    EXPECT_NE(dot.str().find("ib_access"), std::string::npos);
    EXPECT_NE(json.str().find("\"leaf_switches\": 1"), std::string::npos);
    EXPECT_NE(json.str().find("\"bandwidth_GBps\": 50"), std::string::npos);
}

// The PCIe box's host bridge is counted in every export: the counts line of `moetwin topo`, the JSON
// counts and the DOT graph's label (and its edge); an NVSwitch node reports none.
TEST(PcieBox, ExportsCountTheHostBridge) {
    ClusterSpec s    = spec(FabricKind::SingleNode, 1);
    s.nvlink         = {31.5e9, 0.0};
    s.host_bridge    = {kUpiIceLakeBps, 0.0};
    const Topology t = build_cluster(s);
    std::ostringstream dot, json, text;
    write_dot(t, dot);
    write_json(t, json);
    text << t.counts();
    EXPECT_NE(json.str().find("\"host_bridge_links\": 1}"), std::string::npos) << json.str().substr(0, 400);
    EXPECT_NE(json.str().find("\"kind\": \"host_bridge\", \"lower\""), std::string::npos);
    EXPECT_NE(json.str().find("\"bandwidth_GBps\": 67.2"), std::string::npos);
    EXPECT_NE(dot.str().find("8 GPUs, 1 host bridge(s)"), std::string::npos);
    EXPECT_NE(dot.str().find("host_bridge 67.2 GB/s"), std::string::npos);
    EXPECT_NE(text.str().find(", 1 host bridge (inter-socket)"), std::string::npos) << text.str();

    const Topology nvswitch = build_cluster(spec(FabricKind::SingleNode, 1));
    std::ostringstream json0, dot0;
    write_json(nvswitch, json0);
    write_dot(nvswitch, dot0);
    EXPECT_NE(json0.str().find("\"host_bridge_links\": 0}"), std::string::npos);
    EXPECT_EQ(dot0.str().find("host bridge"), std::string::npos);
}

} // namespace
} // namespace moetwin
