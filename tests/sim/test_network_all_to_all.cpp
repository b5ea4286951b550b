// SPDX-License-Identifier: Apache-2.0
// AllToAllPhase semantics inside SimGrid: join at the last start, per-rank wake-up times, compute
// overlapping the transfer, both backends. Each case runs in a forked child.
#include "sim/network/all_to_all.hpp"
#include "sim/network/sim_engine.hpp"
#include "sim/network/subprocess.hpp"
#include "topologies/cluster_builder.hpp"

#include <simgrid/s4u/Actor.hpp>
#include <simgrid/s4u/Engine.hpp>
#include <simgrid/s4u/Host.hpp>

#include <gtest/gtest.h>

#include <cstdio>
#include <sstream>

namespace sg4 = simgrid::s4u;

namespace moetwin {
namespace {

// Ranks 0..3 on 4 nodes of one GPU each (FT2, one leaf). Rank 0 sends 50 MB to rank 1 and 5 MB to
// rank 2; rank 3 receives nothing. Rank 3 joins late (at 1 ms); rank 0 computes 0.5 ms in between.
// Returns "start wake0 wake1 wake2 wake3 recv1 recv2".
std::string scenario(CommBackend backend) {
    return run_in_child([backend] {
        ClusterSpec spec;
        spec.fabric        = FabricKind::FatTree2;
        spec.num_nodes     = 4;
        spec.gpus_per_node = spec.nics_per_node = 1;
        const Topology topo                     = build_cluster(spec);
        const Router router(topo);
        NetworkOptions net;
        net.backend                   = backend;
        net.calibration.ib_efficiency = net.calibration.pcie_efficiency = 1.0;
        SimEngine sim(router, net);
        const PlatformMap& map = sim.platform();
        CommFabric& fabric     = sim.fabric();
        FlowSet fs;
        fs.gpu_of_rank = first_gpus(4);
        fs.add(router, RoutePolicy::NvlinkFirst, 0, 1, 50e6);
        fs.add(router, RoutePolicy::NvlinkFirst, 0, 2, 5e6);
        PhaseOptions opt;
        opt.wait_for_sends = false;
        auto phase         = fabric.create_phase(fs, opt);
        std::vector<double> wake(4);
        for (int r = 0; r < 4; ++r)
            sg4::Actor::create("r" + std::to_string(r), map.gpu_hosts[std::size_t(r)], [&, r] {
                if (r == 3) sg4::this_actor::sleep_for(1e-3);
                AllToAllHandle h = phase->start(r);
                if (r == 0) sg4::this_actor::execute(0.5e-3 * kGpuHostSpeedFlops); // 0.5 ms of compute
                h.wait();
                wake[std::size_t(r)] = sg4::Engine::get_clock();
            });
        sim.run();
        char buf[300];
        std::snprintf(buf, sizeof buf, "%.12g %.12g %.12g %.12g %.12g %.12g %.12g", phase->timing().start_s, wake[0],
                      wake[1], wake[2], wake[3], phase->timing().recv_done_s[1], phase->timing().recv_done_s[2]);
        return std::string(buf);
    });
}

void check(CommBackend backend, double tol) {
    std::istringstream in(scenario(backend));
    double start, w0, w1, w2, w3, r1, r2;
    in >> start >> w0 >> w1 >> w2 >> w3 >> r1 >> r2;
    EXPECT_NEAR(start, 1e-3, 1e-12); // the phase starts when the last rank joins
    // Rank 0's uplink carries 55 MB at 50 GB/s. Fluid: both flows end with it (1.1 ms). SimGrid
    // max-min: the 5 MB flow gets half the link and ends at 0.2 ms, the other at 1.1 ms.
    EXPECT_NEAR(r1 - start, 2.8e-6 + 55e6 / 50e9, tol);
    EXPECT_NEAR(w1, r1, 1e-12); // each rank wakes at its own completion...
    EXPECT_NEAR(w2, r2, 1e-12);
    EXPECT_NEAR(w3, start, 1e-12); // ... a rank with nothing to receive right away
    EXPECT_NEAR(w0, start, 1e-12); // (receives only: low-latency semantics; the compute ended earlier)
}

TEST(NetworkAllToAll, FluidBackendWakesEachRankAtItsTime) {
    check(CommBackend::Fluid, 1e-12);
    std::istringstream in(scenario(CommBackend::Fluid));
    double start, w0, w1, w2, w3, r1, r2;
    in >> start >> w0 >> w1 >> w2 >> w3 >> r1 >> r2;
    EXPECT_NEAR(r2, r1, 1e-12); // proportional progress: the small flow ends with the link
}

TEST(NetworkAllToAll, SimGridBackendWakesEachRankAtItsTime) {
    check(CommBackend::SimGridFlows, 1e-9);
    std::istringstream in(scenario(CommBackend::SimGridFlows));
    double start, w0, w1, w2, w3, r1, r2;
    in >> start >> w0 >> w1 >> w2 >> w3 >> r1 >> r2;
    EXPECT_NEAR(r2 - start, 2.8e-6 + 10e6 / 50e9, 1e-9); // max-min: 25 GB/s each until it ends
}

// An 8-GPU PCIe box (RTX 4090 figures: 31.5 GB/s per GPU, Ice Lake UPI 67.2 GB/s between the sockets,
// no latencies): every GPU sends B to each of its 7 peers. Returns the phase's end - start.
double pcie_box_all_to_all_s(CommBackend backend, double bytes) {
    const std::string out = run_in_child([backend, bytes] {
        ClusterSpec spec;
        spec.fabric         = FabricKind::SingleNode;
        spec.nvlink         = {31.5e9, 0.0};
        spec.host_bridge    = {kUpiIceLakeBps, 0.0};
        const Topology topo = build_cluster(spec);
        const Router router(topo);
        NetworkOptions net;
        net.backend                       = backend;
        net.calibration.nvlink_efficiency = net.calibration.pcie_efficiency = 1.0;
        SimEngine sim(router, net);
        FlowSet fs;
        fs.gpu_of_rank = first_gpus(8);
        for (int s = 0; s < 8; ++s)
            for (int d = 0; d < 8; ++d)
                if (s != d) fs.add(router, RoutePolicy::NvlinkFirst, s, d, bytes);
        auto phase = sim.fabric().create_phase(fs, PhaseOptions{});
        for (int r = 0; r < 8; ++r)
            sg4::Actor::create("r" + std::to_string(r), sim.platform().gpu_hosts[std::size_t(r)],
                               [&, r] { phase->start(r).wait(); });
        sim.run();
        char buf[64];
        std::snprintf(buf, sizeof buf, "%.12g", phase->timing().end_s() - phase->timing().start_s);
        return std::string(buf);
    });
    return std::stod(out);
}

TEST(NetworkAllToAll, PcieBoxCrossSocketTrafficSharesTheHostBridge) {
    const double B = 10e6;
    // Each socket holds 4 GPUs; 4 × 4 flows of B cross the UPI link each way: 4 B per GPU at a quarter of
    // 67.2 GB/s (16.8 GB/s < 31.5 GB/s of PCIe) = 16 B / 67.2 GB/s = 2.381 ms. The GPU links alone would
    // take 7 B / 31.5 GB/s = 2.222 ms: the host bridge binds.
    const double host_bound_s = 4 * B / std::min(31.5e9, kUpiIceLakeBps / 4);
    EXPECT_NEAR(host_bound_s, 16 * B / 67.2e9, 1e-12);
    EXPECT_NEAR(pcie_box_all_to_all_s(CommBackend::SimGridFlows, B), host_bound_s, 1e-9);
    EXPECT_NEAR(pcie_box_all_to_all_s(CommBackend::Fluid, B), host_bound_s, 1e-9);
}

} // namespace
} // namespace moetwin
