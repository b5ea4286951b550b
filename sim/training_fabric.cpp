// SPDX-License-Identifier: Apache-2.0
#include "sim/training_fabric.hpp"

#include "common/errors.hpp"
#include "sim/network/sim_engine.hpp"
#include "sim/network/subprocess.hpp"
#include "sim/step/pipeline_actors.hpp"
#include "topologies/cluster_builder.hpp"

#include <algorithm>
#include <sstream>

namespace moetwin {
namespace {

std::string serialize(const StepOnFabric& f) {
    std::ostringstream o;
    o.precision(17);
    o << f.p2p_alone_s << ' ' << f.begin_s.size() << '\n';
    for (std::size_t r = 0; r < f.begin_s.size(); ++r) {
        o << f.begin_s[r].size() << ' ' << f.rank_end_s[r] << ' ' << f.dp.start_s[r] << ' '
          << f.dp.reduce_scatter_end_s[r] << ' ' << f.dp.optimizer_end_s[r] << ' ' << f.dp.all_gather_end_s[r];
        for (std::size_t i = 0; i < f.begin_s[r].size(); ++i)
            o << ' ' << f.begin_s[r][i] << ' ' << f.end_s[r][i];
        o << '\n';
    }
    return o.str();
}

StepOnFabric deserialize(const std::string& text) {
    std::istringstream in(text);
    StepOnFabric f;
    std::size_t pp = 0;
    in >> f.p2p_alone_s >> pp;
    step::init_dp_sync_times(int(pp), &f.dp);
    f.begin_s.resize(pp), f.end_s.resize(pp), f.rank_end_s.resize(pp);
    for (std::size_t r = 0; r < pp; ++r) {
        std::size_t n = 0;
        in >> n >> f.rank_end_s[r] >> f.dp.start_s[r] >> f.dp.reduce_scatter_end_s[r] >> f.dp.optimizer_end_s[r] >>
            f.dp.all_gather_end_s[r];
        f.begin_s[r].resize(n), f.end_s[r].resize(n);
        for (std::size_t i = 0; i < n; ++i)
            in >> f.begin_s[r][i] >> f.end_s[r][i];
    }
    MOETWIN_ASSERT(!in.fail(), "training step: the fabric simulation's output does not parse");
    return f;
}

} // namespace

StepOnFabric simulate_step_on_fabric(const Scenario& s, const step::PipelinePrograms& programs,
                                     const std::vector<step::ChunkTimes>& total, const step::DpSyncSpec& dp,
                                     double msg_bytes, const std::vector<double>& nic_bytes) {
    return deserialize(run_in_child([&] {
        const Topology topo = build_cluster(s.cluster);
        const Router router(topo);
        NetworkOptions net;
        net.calibration   = s.network.calibration; // NCCL's own SMs: no DeepEP channel limit
        net.simgrid_model = s.network.simgrid_model;
        net.crosstraffic  = s.network.crosstraffic;
        SimEngine sim(router, net);
        const int pp = programs.pp;
        StepOnFabric f;
        // One transfer alone between ranks 0 and 1: the route's latency and its slowest effective link.
        if (pp > 1) {
            const Route route = router.route(0, dp.gpus_per_stage);
            double bw_Bps     = 0;
            for (const Hop& h : route.hops) {
                const double b = effective_bandwidth_Bps(topo.link(h.link), net.calibration);
                bw_Bps         = bw_Bps == 0 ? b : std::min(bw_Bps, b);
            }
            f.p2p_alone_s = route_latency_s(topo, route) + msg_bytes / bw_Bps;
        }
        step::PipelineActorsSetup setup;
        for (int r = 0; r < pp; ++r)
            setup.rank_hosts.push_back(sim.platform().host(r * dp.gpus_per_stage));
        setup.msg_bytes = msg_bytes;
        // The all-to-all's NIC load: the rank GPU's peers are the same GPU of the next and of the previous node of
        // its EP group (the all-to-all reaches every node of the group; one of them stands for all).
        if (dp.ep_size > dp.gpus_per_node) {
            setup.nic_bytes_per_chunk = nic_bytes;
            for (int r = 0; r < pp; ++r) {
                const int g = r * dp.gpus_per_stage;
                setup.nic_peers.emplace_back(sim.platform().host(g + dp.gpus_per_node),
                                             sim.platform().host(g + dp.ep_size - dp.gpus_per_node));
            }
        }
        step::DpSyncSpec spec = dp;
        spec.host_of          = [&sim](int gpu) { return sim.platform().host(gpu); };
        step::init_dp_sync_times(pp, &f.dp);
        setup.on_rank_end = [&](int r) { step::start_dp_sync(spec, r, &f.dp); };
        step::PipelineActorsOutput out;
        step::create_pipeline_actors(programs, total, setup, &out);
        sim.run();
        f.rank_end_s = out.end_s;
        for (int r = 0; r < pp; ++r) {
            f.begin_s.emplace_back(), f.end_s.emplace_back();
            for (const step::PipeSpan& sp : out.spans[std::size_t(r)]) {
                f.begin_s.back().push_back(sp.begin_s);
                f.end_s.back().push_back(sp.end_s);
            }
        }
        return serialize(f);
    }));
}

} // namespace moetwin
