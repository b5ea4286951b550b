// SPDX-License-Identifier: Apache-2.0
// The training step's transfers as SimGrid flows on a real fabric (the tiny scenario's 4 H800 nodes on the
// multi-plane fat-tree), against hand-computed times: a PP transfer alone takes the route's latency plus bytes
// over its slowest effective link, every byte sent is received, and a ring all-reduce (reduce-scatter +
// all-gather, sim/step/training_dp_sync.hpp) on an uncontended plane takes 2 (n − 1) (latency + bytes / n / bw).
// One SimGrid engine per TEST (gtest_discover_tests runs each in its own process).
#include "sim/network/sim_engine.hpp"
#include "sim/scenario.hpp"
#include "sim/step/pipeline_actors.hpp"
#include "sim/step/pipeline_program.hpp"
#include "sim/step/training_dp_sync.hpp"
#include "topologies/cluster_builder.hpp"

#include <gtest/gtest.h>

#include <simgrid/s4u.hpp>

namespace moetwin::step {
namespace {

const std::string kTiny = std::string(MOETWIN_SOURCE_DIR) + "/scenarios/tiny_train_pp2_ep16.json";

// Latency and bandwidth of one transfer alone between two GPUs, from the route and the calibration.
std::pair<double, double> route_of(const Router& router, int a, int b, const NetworkCalibration& c) {
    const Route r = router.route(a, b);
    double bw     = 1e300;
    for (const Hop& h : r.hops)
        bw = std::min(bw, effective_bandwidth_Bps(router.topology().link(h.link), c));
    return {route_latency_s(router.topology(), r), bw};
}

TEST(TrainingFabric, OneFOneBTransfersByHand) {
    const Scenario s    = load_scenario(kTiny);
    const Topology topo = build_cluster(s.cluster);
    const Router router(topo);
    NetworkOptions net;
    SimEngine sim(router, net);
    // PP2 on GPUs 0 and 16 (nodes 0 and 2, plane 0, one leaf): 2 micro-batches, F = 1 s, full backward 1 s.
    const double bytes        = 512.0 * 7168 * 2;
    const auto [lat_s, bw]    = route_of(router, 0, 16, net.calibration);
    const double p_s          = lat_s + bytes / bw;
    const PipelinePrograms pr = build_pipeline_programs(PipelineSchedule::OneFOneB, 2, 2);
    const std::vector<ChunkTimes> chunks(2, ChunkTimes{1.0, 0.75, 0.25, 2.0});
    PipelineActorsSetup setup;
    setup.rank_hosts = {sim.platform().host(0), sim.platform().host(16)};
    setup.msg_bytes  = bytes;
    PipelineActorsOutput out;
    create_pipeline_actors(pr, chunks, setup, &out);
    sim.run();
    // Rank 0: F0 [0,1], F1 [1,2]; rank 1: F0 [1+p, 2+p], BW0 [2+p, 3+p], F1 [3+p, 4+p], BW1 [4+p, 5+p];
    // rank 0: BW0 [3+2p, 4+2p], BW1 [5+2p, 6+2p]. No two transfers share a link direction at once.
    EXPECT_NEAR(out.end_s[0], 6 + 2 * p_s, 1e-12);
    EXPECT_NEAR(out.end_s[1], 5 + p_s, 1e-12);
    EXPECT_NEAR(out.spans[1][0].begin_s, 1 + p_s, 1e-12);
    EXPECT_DOUBLE_EQ(lat_s, 2.8e-6); // NIC, leaf, NIC on one leaf: the same-leaf latency
    EXPECT_DOUBLE_EQ(bw, 50e9 * 0.89);
    EXPECT_DOUBLE_EQ(out.sent_B[0] + out.sent_B[1], 4 * bytes);
    EXPECT_EQ(out.sent_B[0], out.received_B[1]);
    EXPECT_EQ(out.sent_B[1], out.received_B[0]);
}

TEST(TrainingFabric, PpTransferSharesTheNicWithTheAllToAll) {
    const Scenario s    = load_scenario(kTiny);
    const Topology topo = build_cluster(s.cluster);
    const Router router(topo);
    NetworkOptions net;
    SimEngine sim(router, net);
    const double bytes        = 512.0 * 7168 * 2;
    const auto [lat_s, bw]    = route_of(router, 0, 16, net.calibration);
    const PipelinePrograms pr = build_pipeline_programs(PipelineSchedule::OneFOneB, 2, 2);
    const std::vector<ChunkTimes> chunks(2, ChunkTimes{1.0, 0.75, 0.25, 2.0});
    PipelineActorsSetup setup;
    setup.rank_hosts = {sim.platform().host(0), sim.platform().host(16)};
    setup.msg_bytes  = bytes;
    // Each forward (1 s) sends a quarter of the NIC's effective rate for a second through it, and receives as
    // much: the all-to-all's mean rate is bw / 4.
    setup.nic_bytes_per_chunk = {bw / 4, bw / 4};
    setup.nic_peers           = {{sim.platform().host(8), sim.platform().host(24)},
                                 {sim.platform().host(24), sim.platform().host(8)}};
    PipelineActorsOutput out;
    create_pipeline_actors(pr, chunks, setup, &out);
    sim.run();
    // F0's activations leave GPU 0 at 1 s while its F1 runs: its all-to-all holds bw / 4 of the NIC (capped), so
    // the transfer gets 3/4 of it (max-min) and F0 starts at rank 1 at 1 + latency + bytes / (0.75 bw).
    EXPECT_NEAR(out.spans[1][0].begin_s, 1 + lat_s + bytes / (0.75 * bw), 1e-9);
}

TEST(TrainingFabric, RingAllReduceOnOnePlaneIsItsFormula) {
    const Scenario s    = load_scenario(kTiny);
    const Topology topo = build_cluster(s.cluster);
    const Router router(topo);
    NetworkOptions net;
    SimEngine sim(router, net);
    // GPU 0 of each of the 4 nodes: plane 0, one leaf, every hop NIC -> leaf -> NIC.
    const int n            = 4;
    const double bytes     = 3.0e9;
    const auto [lat_s, bw] = route_of(router, 0, 8, net.calibration);
    std::vector<double> end(std::size_t(n), 0);
    for (int i = 0; i < n; ++i)
        simgrid::s4u::Actor::create("m" + std::to_string(i), sim.platform().host(8 * i), [i, bytes, &end] {
            ring_collective("rs", i, n, bytes);
            ring_collective("ag", i, n, bytes);
            end[std::size_t(i)] = simgrid::s4u::Engine::get_clock();
        });
    sim.run();
    const double want = 2 * (n - 1) * (lat_s + bytes / n / bw);
    for (double e : end)
        EXPECT_NEAR(e, want, 1e-12 * want);
    EXPECT_NEAR(want, 2 * 3 * (2.8e-6 + 0.75e9 / (50e9 * 0.89)), 1e-12);
}

TEST(TrainingFabric, OtherParameterRingLeavesThroughEveryNic) {
    // 16 GPUs of 2 nodes: positions (GPU in node, node), and the inverse.
    for (int i = 0; i < 16; ++i)
        EXPECT_EQ(other_ring_member(other_ring_position(i, 16, 8), 16, 8), i);
    EXPECT_EQ(other_ring_position(8, 16, 8), 1); // node 1, GPU 0 follows node 0, GPU 0
    EXPECT_EQ(other_ring_position(1, 16, 8), 2);
}

} // namespace
} // namespace moetwin::step
