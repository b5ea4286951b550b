// SPDX-License-Identifier: Apache-2.0
// run_scale_bench() and run_accuracy_bench(); every SimGrid run happens in a forked child.
#include "sim/published/network_bench.hpp"

#include "common/errors.hpp"
#include "common/wall_clock.hpp"
#include "sim/network/comm_run.hpp"
#include "sim/network/moe_traffic.hpp"
#include "sim/network/subprocess.hpp"
#include "sim/published/deepep_test_traffic.hpp"
#include "topologies/cluster_builder.hpp"

#include <simgrid/s4u/Host.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ostream>
#include <random>
#include <sstream>
#include <thread>

namespace moetwin {
namespace {

std::string fmt(const char* f, double a, double b = 0, double c = 0, double d = 0, double e = 0) {
    char buf[256];
    std::snprintf(buf, sizeof buf, f, a, b, c, d, e);
    return buf;
}

ClusterSpec mpft(int nodes) {
    ClusterSpec s;
    s.fabric    = FabricKind::MultiPlane;
    s.num_nodes = nodes;
    return s;
}

void build_bench(const ScaleBenchOptions& o, std::ostream& out) {
    const std::string text = run_in_child([&] {
        std::ostringstream r;
        double t            = wall_now();
        const Topology topo = build_cluster(mpft(o.mpft_nodes));
        const double topo_s = wall_now() - t;
        t                   = wall_now();
        const Router router(topo);
        const double router_s = wall_now() - t;
        // Routes: every ordered pair of one EP group, then random pairs anywhere.
        t = wall_now();
        std::vector<Hop> hops;
        std::size_t total_hops = 0;
        for (int a = 0; a < o.ep; ++a)
            for (int b = 0; b < o.ep; ++b) {
                hops.clear();
                router.append(a, b, RoutePolicy::NvlinkFirst, hops);
                total_hops += hops.size();
            }
        std::mt19937_64 rng(o.seed);
        for (int i = 0; i < o.route_samples; ++i) {
            hops.clear();
            router.append(int(rng() % std::uint64_t(topo.num_gpus())), int(rng() % std::uint64_t(topo.num_gpus())),
                          RoutePolicy::NvlinkFirst, hops);
            total_hops += hops.size();
        }
        const double route_s = wall_now() - t;
        NetworkOptions net;
        net.backend = CommBackend::SimGridFlows; // the largest platform: GPU hosts and their ".rdma" aliases
        const SimEngine sim(router, net);
        const PlatformMap& map  = sim.platform();
        const double platform_s = sim.setup_wall_s(); // engine, network model, platform, fabric
        t                       = wall_now();
        std::vector<simgrid::s4u::Link*> links;
        for (int i = 0; i < o.simgrid_routes; ++i) {
            links.clear();
            double lat = 0;
            map.gpu_hosts[rng() % map.gpu_hosts.size()]->route_to(map.gpu_hosts[rng() % map.gpu_hosts.size()], links,
                                                                  &lat);
        }
        const double sg_route_s = wall_now() - t;
        const auto c            = topo.counts();
        r << "  cluster: MPFT, " << c.gpus << " GPUs, " << c.switches() << " IB switches, " << topo.num_links()
          << " links (" << 2 * topo.num_links() << " SimGrid link directions), "
          << map.gpu_hosts.size() + map.rdma_hosts.size() << " SimGrid hosts\n";
        r << fmt("  build topology (Boost.Graph)          %8.3f s\n", topo_s);
        r << fmt("  router tables                          %8.3f s\n", router_s);
        r << fmt("  SimGrid platform: hosts, links, seal   %8.3f s\n", platform_s);
        r << fmt("  total build + seal                     %8.3f s   (target <= 2 s)\n",
                 topo_s + router_s + platform_s);
        r << fmt("  routes: %.0f (EP group all pairs + random) in %.3f s = %.0f ns/route, %.2f hops avg\n",
                 double(o.ep) * o.ep + o.route_samples, route_s,
                 route_s / (double(o.ep) * o.ep + o.route_samples) * 1e9,
                 double(total_hops) / (double(o.ep) * o.ep + o.route_samples));
        r << fmt("  SimGrid route_to through the zone: %.0f routes in %.3f s = %.0f ns/route\n", o.simgrid_routes,
                 sg_route_s, sg_route_s / o.simgrid_routes * 1e9);
        return r.str();
    });
    out << text;
}

struct PhaseCase {
    const char* name;
    DeepEpMode mode;
    int tokens;
};

double reference_phase(const Router& router, const FlowSet& flows, DeepEpMode mode, double* sim_s) {
    const CommRunResult r = deserialize_comm_run(run_in_child([&] {
        NetworkOptions net;
        net.backend = CommBackend::SimGridFlows;
        return serialize(run_comm_phases(router, {flows}, {deepep_phase_options(mode, NetworkCalibration{})}, net));
    }));
    *sim_s                = r.phases[0].end_s() - r.phases[0].start_s;
    return r.run_wall_s;
}

void phase_bench(const ScaleBenchOptions& o, std::ostream& out) {
    const Topology topo = build_cluster(mpft((o.ep + 7) / 8));
    const Router router(topo);
    const NetworkCalibration calib;
    for (const PhaseCase pc : {PhaseCase{"decode, low-latency (128 tokens/GPU)", DeepEpMode::LowLatency, 128},
                               PhaseCase{"prefill-size, normal (4096 tokens/GPU)", DeepEpMode::Normal, 4096}}) {
        MoeTrafficSettings ts;
        ts.num_ranks                = o.ep;
        ts.tokens_per_rank          = pc.tokens;
        ts.seed                     = o.seed;
        const TrafficMatrix traffic = sample_moe_traffic(ts);
        FlowSet phase[2];
        const double t0 = wall_now();
        for (int d = 0; d < 2; ++d) {
            DeepEpOptions opt;
            opt.mode      = pc.mode;
            opt.direction = CommDirection(d);
            phase[d]      = build_deepep_flows(traffic, router, first_gpus(o.ep), opt);
        }
        const double build_s = (wall_now() - t0) / 2;
        FluidNetwork fluid(topo, calib);
        const PhaseOptions po = deepep_phase_options(pc.mode, calib);
        double fluid_sim_s[2];
        for (int d = 0; d < 2; ++d) {
            fluid.reset_calendar();
            const PhaseTiming t = fluid.solve(phase[d], 0, fluid_options(po));
            fluid_sim_s[d]      = t.end_s();
        }
        const double t1  = wall_now();
        const int solves = 200;
        for (int i = 0; i < solves; ++i)
            fluid.solve(phase[i % 2], 0, {});
        const double solve_s = (wall_now() - t1) / solves;
        // Inside SimGrid: one actor per rank starts and waits on `phases` phases in a row.
        std::vector<FlowSet> phases;
        std::vector<PhaseOptions> popts;
        for (int i = 0; i < o.phases; ++i) {
            phases.push_back(phase[i % 2]);
            popts.push_back(po);
        }
        const CommRunResult run = deserialize_comm_run(
            run_in_child([&] { return serialize(run_comm_phases(router, phases, popts, NetworkOptions{})); }));
        out << "  EP" << o.ep << " " << pc.name << ": " << phase[0].flows.size() << " dispatch flows, "
            << phase[1].flows.size() << " combine flows, " << phase[0].total_bytes() / 1e6 << " MB dispatched\n";
        out << fmt("    simulated phase time (fluid): dispatch %.1f us, combine %.1f us\n", fluid_sim_s[0] * 1e6,
                   fluid_sim_s[1] * 1e6);
        out << fmt("    build flows from the traffic matrix   %8.3f ms/phase\n", build_s * 1e3);
        out << fmt("    fluid solve alone                      %8.3f ms/phase\n", solve_s * 1e3);
        out << fmt("    in SimGrid (%g phases, %g actors)     %8.3f ms/phase (engine run)\n", o.phases, o.ep,
                   run.run_wall_s / o.phases * 1e3);
        out << fmt("    total per phase (build + SimGrid run)  %8.3f ms   (target <= 5 ms)\n",
                   (build_s + run.run_wall_s / o.phases) * 1e3);
        if (!o.reference) continue;
        for (FlowGranularity g : {FlowGranularity::PerPair, FlowGranularity::Aggregated}) {
            if (pc.mode == DeepEpMode::LowLatency && g == FlowGranularity::Aggregated) continue;
            DeepEpOptions opt;
            opt.mode          = pc.mode;
            opt.granularity   = g;
            const FlowSet ref = build_deepep_flows(traffic, router, first_gpus(o.ep), opt);
            double sim_s      = 0;
            const double wall = reference_phase(router, ref, pc.mode, &sim_s);
            out << "    reference dispatch, one SimGrid comm per flow ("
                << (g == FlowGranularity::PerPair ? "per pair" : "aggregated") << ", " << ref.flows.size()
                << fmt(" flows): %.3f s/phase, simulated %.1f us (fluid %+.2f %%)\n", wall, sim_s * 1e6,
                       (fluid_sim_s[0] / sim_s - 1) * 100);
        }
        if (pc.mode == DeepEpMode::LowLatency) {
            // The toolchain.md measurement: the same number of flows, all the same size.
            const TrafficMatrix uniform = uniform_traffic(o.ep, 8, 248); // 248 x 7,408 B ~ 1.84 MB per pair
            DeepEpOptions opt;
            opt.mode          = pc.mode;
            const FlowSet ref = build_deepep_flows(uniform, router, first_gpus(o.ep), opt);
            double sim_s      = 0;
            const double wall = reference_phase(router, ref, pc.mode, &sim_s);
            out << fmt("    same, uniform traffic (%g equal flows): %.3f s/phase, simulated %.1f us\n",
                       double(ref.flows.size()), wall, sim_s * 1e6);
        }
    }
}

// --- accuracy ---------------------------------------------------------------------------------

struct Backend {
    const char* name;
    CommBackend backend;
    FlowGranularity granularity;
};

std::vector<PhaseTiming> simulate(const Router& router, const TrafficMatrix& traffic, DeepEpMode mode, Backend b,
                                  double* wall) {
    std::vector<FlowSet> phases;
    std::vector<PhaseOptions> popts;
    const NetworkCalibration calib;
    for (int d = 0; d < 2; ++d) {
        DeepEpOptions opt;
        opt.mode        = mode;
        opt.direction   = CommDirection(d);
        opt.granularity = b.granularity;
        phases.push_back(build_deepep_flows(traffic, router, first_gpus(traffic.num_gpus), opt));
        PhaseOptions po = deepep_phase_options(mode, calib);
        if (b.backend == CommBackend::SimGridFlows) po.chunk_bytes = 0;
        popts.push_back(po);
    }
    const CommRunResult r = deserialize_comm_run(run_in_child([&] {
        NetworkOptions net;
        net.backend = b.backend;
        return serialize(run_comm_phases(router, phases, popts, net));
    }));
    *wall                 = r.run_wall_s;
    return r.phases;
}

double completion(const PhaseTiming& t, int rank, DeepEpMode mode) {
    const double recv = t.recv_done_s[std::size_t(rank)];
    return (mode == DeepEpMode::Normal ? std::max(recv, t.send_done_s[std::size_t(rank)]) : recv) - t.start_s;
}

} // namespace

void run_scale_bench(const ScaleBenchOptions& o, std::ostream& out) {
    out << "machine: " << std::thread::hardware_concurrency() << " hardware threads; one core used\n";
    out << "[1] build, route and seal the largest MPFT\n";
    build_bench(o, out);
    out << "[2] one all-to-all phase at EP" << o.ep << " (MPFT, skewed DeepSeek-V3-like traffic: lognormal(0.64)"
        << " popularity, 32 redundant experts, top-8)\n";
    phase_bench(o, out);
}

void run_accuracy_bench(int max_ep, std::ostream& out, std::uint64_t seed) {
    out << "fluid model vs one SimGrid (CM02, max-min) comm per flow; per-rank errors are relative to the\n"
           "reference phase time. normal: per-pair = one NVLink flow per (source, destination GPU).\n";
    char line[320];
    std::snprintf(line, sizeof line, "%-34s %-9s %-19s %10s %9s %11s %11s %9s\n", "case", "phase", "backend",
                  "time (us)", "vs ref", "rank |d| avg", "rank |d| max", "wall (s)");
    out << line;
    for (int ep = 16; ep <= max_ep; ep *= 2) {
        ClusterSpec spec;
        spec.fabric         = FabricKind::FatTree2;
        spec.num_nodes      = ep / 8;
        const Topology topo = build_cluster(spec);
        const Router router(topo);
        for (DeepEpMode mode : {DeepEpMode::Normal, DeepEpMode::LowLatency})
            for (int skewed = 0; skewed < 2; ++skewed) {
                TrafficMatrix traffic;
                if (!skewed) {
                    traffic = deepep_test_traffic(mode == DeepEpMode::Normal ? deepep_normal_test(ep, seed)
                                                                             : deepep_low_latency_test(ep, seed));
                } else {
                    MoeTrafficSettings ts;
                    ts.num_ranks         = ep;
                    ts.tokens_per_rank   = mode == DeepEpMode::Normal ? 1024 : 128;
                    ts.redundant_experts = ep;
                    ts.seed              = seed;
                    traffic              = sample_moe_traffic(ts);
                }
                const std::string name = "EP" + std::to_string(ep) + " " + std::string(to_string(mode)) +
                                         (skewed ? " skewed" : " DeepEP test");
                std::vector<Backend> backends{
                    {"simgrid per-pair", CommBackend::SimGridFlows, FlowGranularity::PerPair}};
                if (mode == DeepEpMode::Normal)
                    backends.push_back({"simgrid aggregated", CommBackend::SimGridFlows, FlowGranularity::Aggregated});
                backends.push_back({"fluid", CommBackend::Fluid, FlowGranularity::Aggregated});
                std::vector<std::vector<PhaseTiming>> results;
                std::vector<double> walls;
                for (const Backend& b : backends) {
                    double wall = 0;
                    results.push_back(simulate(router, traffic, mode, b, &wall));
                    walls.push_back(wall);
                }
                for (int d = 0; d < 2; ++d) {
                    const PhaseTiming& ref = results[0][std::size_t(d)];
                    const double ref_span  = ref.end_s() - ref.start_s;
                    for (std::size_t k = 0; k < backends.size(); ++k) {
                        const PhaseTiming& t = results[k][std::size_t(d)];
                        const double span    = t.end_s() - t.start_s;
                        double sum = 0, worst = 0;
                        for (int r = 0; r < ep; ++r) {
                            const double diff = std::abs(completion(t, r, mode) - completion(ref, r, mode)) / ref_span;
                            sum += diff;
                            worst = std::max(worst, diff);
                        }
                        std::snprintf(line, sizeof line, "%-34s %-9s %-19s %10.1f %+8.2f%% %10.2f%% %10.2f%% %9.3f\n",
                                      k == 0 && d == 0 ? name.c_str() : "", d == 0 ? "dispatch" : "combine",
                                      backends[k].name, span * 1e6, (span / ref_span - 1) * 100, sum / ep * 100,
                                      worst * 100, walls[k] / 2);
                        out << line;
                    }
                }
            }
    }
}

} // namespace moetwin
