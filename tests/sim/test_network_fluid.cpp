// SPDX-License-Identifier: Apache-2.0
// DeepEP flow construction and the fluid model against hand-computed times (no SimGrid).
#include "sim/network/deepep.hpp"
#include "sim/network/fluid_model.hpp"
#include "topologies/cluster_builder.hpp"

#include <gtest/gtest.h>

#include <map>

namespace moetwin {
namespace {

NetworkCalibration ideal() {
    NetworkCalibration c;
    c.nvlink_efficiency = c.ib_efficiency = c.pcie_efficiency = 1.0;
    c.chunk_bytes                                             = 0;
    return c;
}

ClusterSpec fat_tree(int nodes, int gpus_per_node = 8) {
    ClusterSpec s;
    s.fabric        = FabricKind::FatTree2;
    s.num_nodes     = nodes;
    s.gpus_per_node = s.nics_per_node = gpus_per_node;
    return s;
}

TEST(NetworkFluid, OneFlowTakesLatencyPlusBytesOverBandwidth) {
    const Topology t = build_cluster(fat_tree(2, 1));
    const Router r(t);
    FlowSet fs;
    fs.gpu_of_rank = {0, 1};
    fs.add(r, RoutePolicy::NvlinkFirst, 0, 1, 50e6);
    FluidNetwork net(t, ideal());
    const PhaseTiming p = net.solve(fs, 1.0, {});
    EXPECT_NEAR(p.recv_done_s[1] - 1.0, 2.8e-6 + 50e6 / 50e9, 1e-12);
    EXPECT_NEAR(p.send_done_s[0], p.recv_done_s[1], 1e-15);
}

TEST(NetworkFluid, IncastDrainsTheReceiverLink) {
    // Three GPUs on other nodes send 10 MB each to GPU 0: its NIC downlink carries 30 MB.
    const Topology t = build_cluster(fat_tree(4, 1));
    const Router r(t);
    FlowSet fs;
    fs.gpu_of_rank = {0, 1, 2, 3};
    for (int s = 1; s < 4; ++s)
        fs.add(r, RoutePolicy::NvlinkFirst, s, 0, 10e6);
    FluidNetwork net(t, ideal());
    const PhaseTiming p = net.solve(fs, 0, {});
    EXPECT_NEAR(p.recv_done_s[0], 2.8e-6 + 30e6 / 50e9, 1e-12);
    EXPECT_NEAR(p.send_done_s[1], 2.8e-6 + 30e6 / 50e9, 1e-12); // proportional: every flow ends with the link
}

TEST(NetworkFluid, CalendarQueuesPhasesOnBusyLinks) {
    const Topology t = build_cluster(fat_tree(2, 1));
    const Router r(t);
    FlowSet fs;
    fs.gpu_of_rank = {0, 1};
    fs.add(r, RoutePolicy::NvlinkFirst, 0, 1, 50e6); // 1 ms of link time
    FluidNetwork net(t, ideal());
    net.solve(fs, 0, {});
    const PhaseTiming second = net.solve(fs, 0.5e-3, {}); // starts while the first still drains
    EXPECT_NEAR(second.recv_done_s[1], 2e-3 + 2.8e-6, 1e-12);
    net.reset_calendar();
    EXPECT_NEAR(net.solve(fs, 0.5e-3, {}).recv_done_s[1], 1.5e-3 + 2.8e-6, 1e-12);
}

TEST(NetworkFluid, RelayWaitsForItsInboundData) {
    const Topology t = build_cluster(fat_tree(2, 2));
    const Router r(t);
    FlowSet fs;
    fs.gpu_of_rank = {0, 1, 2, 3};
    fs.add(r, RoutePolicy::NvlinkFirst, 0, 2, 50e6, 0);     // IB: 1 ms
    fs.add(r, RoutePolicy::NvlinkFirst, 2, 3, 1.6e6, 1, 2); // NVLink relay: 10 us alone
    FluidNetwork net(t, ideal());
    FluidOptions o;
    o.chunk_bytes       = 160e3; // 1 us at 160 GB/s
    const PhaseTiming p = net.solve(fs, 0, o);
    EXPECT_NEAR(p.recv_done_s[3], (2.8e-6 + 1e-3) + 3.33e-6 + 1e-6, 1e-12);
}

TEST(NetworkFluid, IbrcStallAddsTheMeanChunksPerQueuePairOnTheSendersNic) {
    // GPU 0 sends 10 MB in 10 chunks to GPU 1 and 20 MB in 30 chunks to GPU 2 (other nodes): two
    // QPs. Its NIC uplink drains 30 MB at 50 GB/s (600 us) plus 2 us x (10 + 30) / 2 = 40 us.
    const Topology t = build_cluster(fat_tree(3, 1));
    const Router r(t);
    FlowSet fs;
    fs.gpu_of_rank = {0, 1, 2};
    fs.add(r, RoutePolicy::NvlinkFirst, 0, 1, 10e6);
    fs.flows.back().messages = 10;
    fs.add(r, RoutePolicy::NvlinkFirst, 0, 2, 20e6);
    fs.flows.back().messages = 30;
    FluidOptions o;
    o.qp_chunk_stall_s = 2e-6;
    FluidNetwork net(t, ideal());
    const PhaseTiming p = net.solve(fs, 0, o);
    EXPECT_NEAR(p.recv_done_s[1], 600e-6 + 40e-6 + 2.8e-6, 1e-12);
    EXPECT_NEAR(p.recv_done_s[2], 600e-6 + 40e-6 + 2.8e-6, 1e-12);
    // Without the stall (IBGDA generations) or without chunk counts, bytes alone.
    net.reset_calendar();
    EXPECT_NEAR(net.solve(fs, 0, {}).recv_done_s[2], 600e-6 + 2.8e-6, 1e-12);
    for (Flow& f : fs.flows)
        f.messages = 0;
    net.reset_calendar();
    EXPECT_NEAR(net.solve(fs, 0, o).recv_done_s[2], 600e-6 + 2.8e-6, 1e-12);
}

TEST(NetworkFluid, GatedRdmaStartsAfterItsSharesOfTheSendersNvlinkStores) {
    // GPU 0 stores 1.6 MB in 100 messages over NVLink to GPU 1 (10 us + 100 x 10 ns) and sends 5 MB
    // over RDMA to GPU 2 (100 us), posted after half of its NVLink stores: 5.5 us later.
    const Topology t = build_cluster(fat_tree(2, 2));
    const Router r(t);
    FlowSet fs;
    fs.gpu_of_rank = {0, 1, 2, 3};
    fs.add(r, RoutePolicy::NvlinkFirst, 0, 1, 1.6e6);
    fs.flows.back().messages = 100;
    fs.add(r, RoutePolicy::NvlinkFirst, 0, 2, 5e6);
    fs.flows.back().after_sender_nvlink = true;
    FluidOptions o;
    o.overhead_s       = 1e-6;
    o.nvlink_message_s = 10e-9;
    FluidNetwork net(t, ideal());
    const PhaseTiming free = net.solve(fs, 0, o);
    EXPECT_NEAR(free.recv_done_s[2], 1e-6 + 100e-6 + 2.8e-6, 1e-12);
    o.rdma_after_nvlink = 0.5;
    net.reset_calendar();
    const PhaseTiming gated = net.solve(fs, 0, o);
    EXPECT_NEAR(gated.recv_done_s[2] - free.recv_done_s[2], 0.5 * (10e-6 + 1e-6), 1e-12);
    EXPECT_DOUBLE_EQ(gated.recv_done_s[1], free.recv_done_s[1]); // the NVLink stores themselves wait for nothing
}

TEST(NetworkFluid, RdmaChunksOfDeepEpsRecommendedConfigs) {
    // deep_ep/buffer.py at ebfe47e; reference §5.2: EP32 32, EP64 28, EP144 12 (dispatch).
    EXPECT_EQ(deepep_rdma_chunk_tokens(32, CommDirection::Dispatch), 32);
    EXPECT_EQ(deepep_rdma_chunk_tokens(64, CommDirection::Dispatch), 28);
    EXPECT_EQ(deepep_rdma_chunk_tokens(144, CommDirection::Dispatch), 12);
    EXPECT_EQ(deepep_rdma_chunk_tokens(16, CommDirection::Combine), 28);
    EXPECT_EQ(deepep_rdma_chunk_tokens(64, CommDirection::Combine), 20);
    EXPECT_EQ(deepep_rdma_chunk_tokens(72, CommDirection::Dispatch), 28); // between sizes: the one below
    EXPECT_EQ(deepep_rdma_chunk_tokens(8, CommDirection::Dispatch), 20);  // below EP16: EP16's
    // Each RDMA flow counts its chunks (the last one partial); NVLink hops count none.
    const Topology t = build_cluster(fat_tree(2));
    const Router r(t);
    TrafficMatrix tm(16, 8);
    const std::vector<int> token{9};
    for (int k = 0; k < 45; ++k)
        tm.add_token(0, token);
    DeepEpOptions o;
    o.rdma_chunk_tokens = 20;
    for (CommDirection dir : {CommDirection::Dispatch, CommDirection::Combine}) {
        o.direction      = dir;
        const FlowSet fs = build_deepep_flows(tm, r, first_gpus(16), o);
        ASSERT_EQ(fs.flows.size(), 2u);
        for (const Flow& f : fs.flows)
            EXPECT_EQ(f.messages, (f.src == 0 || f.dst == 0) ? 3 : 0) << f.src << "->" << f.dst;
    }
}

TEST(NetworkFluid, OnlyCrossNodeLowLatencyDispatchWaitsForNvlinkStores) {
    const Topology t = build_cluster(fat_tree(2));
    const Router r(t);
    TrafficMatrix tm(16, 8);
    const std::vector<int> token{1, 9};
    tm.add_token(0, token);
    DeepEpOptions o;
    o.mode = DeepEpMode::LowLatency;
    for (RoutePolicy policy : {RoutePolicy::NvlinkFirst, RoutePolicy::RdmaOnly})
        for (CommDirection dir : {CommDirection::Dispatch, CommDirection::Combine}) {
            o.ll_policy      = policy;
            o.direction      = dir;
            const FlowSet fs = build_deepep_flows(tm, r, first_gpus(16), o);
            ASSERT_EQ(fs.flows.size(), 2u);
            for (const Flow& f : fs.flows) {
                const bool cross = (f.src / 8) != (f.dst / 8);
                EXPECT_EQ(f.after_sender_nvlink,
                          cross && dir == CommDirection::Dispatch && policy == RoutePolicy::NvlinkFirst);
            }
        }
}

TEST(NetworkFluid, NormalDispatchSendsOncePerNodeThenForwards) {
    const Topology t = build_cluster(fat_tree(2));
    const Router r(t);
    TrafficMatrix tm(16, 8);
    const std::vector<int> token{9, 10, 11, 1}; // GPU 0: three experts on node 1, one local on GPU 1
    tm.add_token(0, token);
    DeepEpOptions o;
    o.granularity    = FlowGranularity::PerPair;
    const FlowSet fs = build_deepep_flows(tm, r, first_gpus(16), o);
    std::map<std::pair<int, int>, double> bytes;
    for (const Flow& f : fs.flows)
        bytes[{f.src, f.dst}] += f.bytes;
    EXPECT_EQ(bytes.size(), 5u);
    EXPECT_EQ(bytes[std::make_pair(0, 8)], 7472); // one RDMA token to the same-rank GPU of node 1
    EXPECT_EQ(bytes[std::make_pair(8, 9)], 7464); // forwarded over NVLink
    EXPECT_EQ(bytes[std::make_pair(8, 10)], 7464);
    EXPECT_EQ(bytes[std::make_pair(8, 11)], 7464);
    EXPECT_EQ(bytes[std::make_pair(0, 1)], 7464); // local node: NVLink only
    o.direction        = CommDirection::Combine;
    const FlowSet back = build_deepep_flows(tm, r, first_gpus(16), o);
    double rdma        = 0;
    for (const Flow& f : back.flows)
        if (f.src == 8 && f.dst == 0) rdma += f.bytes;
    EXPECT_EQ(rdma, 14384);
}

TEST(NetworkFluid, LowLatencyGoesThroughTheNicEvenInsideANode) {
    const Topology t = build_cluster(fat_tree(1));
    const Router r(t);
    TrafficMatrix tm(8, 8);
    const std::vector<int> token{3, 3};
    tm.add_token(0, token);
    DeepEpOptions o;
    o.mode           = DeepEpMode::LowLatency;
    const FlowSet fs = build_deepep_flows(tm, r, first_gpus(8), o);
    ASSERT_EQ(fs.flows.size(), 1u);
    EXPECT_EQ(fs.flows[0].bytes, 2 * 7408);
    EXPECT_EQ(fs.flows[0].hop_end - fs.flows[0].hop_begin, 4u); // PCIe, NIC->leaf, leaf->NIC, PCIe
}

TEST(NetworkFluid, IndexedRoutesSolveExactlyLikeCopiedOnes) {
    const Topology t = build_cluster(fat_tree(3));
    const Router r(t);
    RouteTable table(r);
    TrafficMatrix tm(24, 8);
    for (int src = 0; src < 24; ++src)
        for (int k = 0; k < 40; ++k) {
            const std::vector<int> token{(src * 7 + k) % 24, (src + 3 * k + 1) % 24, (5 * k + 2) % 24};
            tm.add_token(src, token);
        }
    for (DeepEpMode mode : {DeepEpMode::Normal, DeepEpMode::LowLatency})
        for (CommDirection dir : {CommDirection::Dispatch, CommDirection::Combine}) {
            DeepEpOptions o;
            o.mode                = mode;
            o.direction           = dir;
            const FlowSet indexed = build_deepep_flows(tm, table, first_gpus(24), o);
            ASSERT_TRUE(indexed.shared_hops);
            EXPECT_TRUE(indexed.hops.empty());
            FlowSet copied;
            copied.gpu_of_rank = first_gpus(24);
            for (const Flow& f : indexed.flows)
                copied.add(r, f.policy, f.src, f.dst, f.bytes, f.stage, f.after);
            ASSERT_EQ(copied.flows.size(), indexed.flows.size());
            for (std::size_t i = 0; i < copied.flows.size(); ++i) {
                const auto a = indexed.route_of(indexed.flows[i]), b = copied.route_of(copied.flows[i]);
                ASSERT_EQ(std::vector<Hop>(a.begin(), a.end()), std::vector<Hop>(b.begin(), b.end()));
            }
            FluidNetwork n1(t, NetworkCalibration{}), n2(t, NetworkCalibration{});
            const PhaseTiming x = n1.solve(indexed, 0.5, {7e-6, 4096}), y = n2.solve(copied, 0.5, {7e-6, 4096});
            EXPECT_EQ(x.send_done_s, y.send_done_s);
            EXPECT_EQ(x.recv_done_s, y.recv_done_s);
        }
}

} // namespace
} // namespace moetwin
