// SPDX-License-Identifier: Apache-2.0
// DeepEP calibration: published rows, per-case simulation (SimGrid child or in-process fluid), fit.
#include "sim/published/deepep_calibration.hpp"

#include "common/errors.hpp"
#include "common/wall_clock.hpp"
#include "sim/network/comm_run.hpp"
#include "sim/network/subprocess.hpp"
#include "sim/published/deepep_test_traffic.hpp"
#include "topologies/cluster_builder.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <ostream>
#include <sstream>

namespace moetwin {
namespace {

using M = DeepEpMode;
using D = CommDirection;

// Reference §5.1 (DeepEP README at the commits named).
constexpr PublishedRow kIntranode[] = {
    {M::Normal, D::Dispatch, 8, 153, 0, "ebfe47e intranode (NVLink)"},
    {M::Normal, D::Combine, 8, 158, 0, "ebfe47e intranode (NVLink)"},
};
constexpr PublishedRow kInternodeProxy[] = {
    {M::Normal, D::Dispatch, 16, 43, 0, "ebfe47e internode (RDMA, CPU proxy)"},
    {M::Normal, D::Combine, 16, 43, 0, "ebfe47e internode (RDMA, CPU proxy)"},
    {M::Normal, D::Dispatch, 32, 44, 0, "ebfe47e internode (RDMA, CPU proxy)"},
    {M::Normal, D::Combine, 32, 47, 0, "ebfe47e internode (RDMA, CPU proxy)"},
    {M::Normal, D::Dispatch, 64, 46, 0, "ebfe47e internode (RDMA, CPU proxy)"},
    {M::Normal, D::Combine, 64, 45, 0, "ebfe47e internode (RDMA, CPU proxy)"},
};
constexpr PublishedRow kInternodeIbgda[] = {
    {M::Normal, D::Dispatch, 16, 43, 0, "3b1045d internode (RDMA, IBGDA)"},
    {M::Normal, D::Combine, 16, 43, 0, "3b1045d internode (RDMA, IBGDA)"},
    {M::Normal, D::Dispatch, 32, 58, 0, "3b1045d internode (RDMA, IBGDA)"},
    {M::Normal, D::Combine, 32, 57, 0, "3b1045d internode (RDMA, IBGDA)"},
    {M::Normal, D::Dispatch, 64, 51, 0, "3b1045d internode (RDMA, IBGDA)"},
    {M::Normal, D::Combine, 64, 50, 0, "3b1045d internode (RDMA, IBGDA)"},
};
constexpr PublishedRow kLowLatencyRdma[] = {
    {M::LowLatency, D::Dispatch, 8, 46, 163, "ebfe47e low-latency (pure RDMA)"},
    {M::LowLatency, D::Combine, 8, 46, 318, "ebfe47e low-latency (pure RDMA)"},
    {M::LowLatency, D::Dispatch, 16, 43, 173, "ebfe47e low-latency (pure RDMA)"},
    {M::LowLatency, D::Combine, 16, 44, 329, "ebfe47e low-latency (pure RDMA)"},
    {M::LowLatency, D::Dispatch, 32, 41, 182, "ebfe47e low-latency (pure RDMA)"},
    {M::LowLatency, D::Combine, 32, 41, 350, "ebfe47e low-latency (pure RDMA)"},
    {M::LowLatency, D::Dispatch, 64, 40, 186, "ebfe47e low-latency (pure RDMA)"},
    {M::LowLatency, D::Combine, 64, 41, 353, "ebfe47e low-latency (pure RDMA)"},
    {M::LowLatency, D::Dispatch, 128, 39, 192, "ebfe47e low-latency (pure RDMA)"},
    {M::LowLatency, D::Combine, 128, 39, 369, "ebfe47e low-latency (pure RDMA)"},
    {M::LowLatency, D::Dispatch, 256, 39, 194, "ebfe47e low-latency (pure RDMA)"},
    {M::LowLatency, D::Combine, 256, 40, 360, "ebfe47e low-latency (pure RDMA)"},
};
constexpr PublishedRow kLowLatencyNvlink[] = {
    {M::LowLatency, D::Dispatch, 8, 98, 77, "d8dd185 low-latency (NVLink inside a node)"},
    {M::LowLatency, D::Combine, 8, 127, 114, "d8dd185 low-latency (NVLink inside a node)"},
    {M::LowLatency, D::Dispatch, 16, 63, 118, "d8dd185 low-latency (NVLink inside a node)"},
    {M::LowLatency, D::Combine, 16, 74, 195, "d8dd185 low-latency (NVLink inside a node)"},
    {M::LowLatency, D::Dispatch, 32, 48, 155, "d8dd185 low-latency (NVLink inside a node)"},
    {M::LowLatency, D::Combine, 32, 53, 273, "d8dd185 low-latency (NVLink inside a node)"},
    {M::LowLatency, D::Dispatch, 64, 43, 173, "d8dd185 low-latency (NVLink inside a node)"},
    {M::LowLatency, D::Combine, 64, 46, 314, "d8dd185 low-latency (NVLink inside a node)"},
};

// One (mode, EP) case: the DeepEP test's traffic and the flows of its dispatch and combine.
struct Case {
    DeepEpMode mode;
    int ep;
    std::unique_ptr<Topology> topo;
    std::unique_ptr<Router> router;
    TrafficMatrix traffic;
    FlowSet flows[2]; // [dispatch, combine]
};

Case make_case(const CalibrationSetup& s, DeepEpMode mode, int ep) {
    Case c{mode, ep, nullptr, nullptr, {}, {}};
    ClusterSpec spec;
    spec.fabric    = s.fabric;
    spec.num_nodes = (ep + spec.gpus_per_node - 1) / spec.gpus_per_node;
    if (spec.fabric == FabricKind::SingleNode && spec.num_nodes > 1) spec.fabric = FabricKind::FatTree2;
    c.topo   = std::make_unique<Topology>(build_cluster(spec));
    c.router = std::make_unique<Router>(*c.topo);
    c.traffic =
        deepep_test_traffic(mode == M::Normal ? deepep_normal_test(ep, s.seed) : deepep_low_latency_test(ep, s.seed));
    for (int d = 0; d < 2; ++d) {
        DeepEpOptions o;
        o.mode      = mode;
        o.direction = CommDirection(d);
        o.ll_policy = low_latency_policy(s.network.deepep);
        c.flows[d]  = build_deepep_flows(c.traffic, *c.router, first_gpus(ep), o);
    }
    return c;
}

struct CaseTimes {
    double bw_Bps[2] = {0, 0};
    double time_s[2] = {0, 0};
    double wall_s    = 0;
};

CaseTimes measure(const Case& c, const PhaseTiming& dispatch, const PhaseTiming& combine) {
    CaseTimes t;
    const PhaseTiming* p[2] = {&dispatch, &combine};
    for (int d = 0; d < 2; ++d) {
        t.bw_Bps[d] = deepep_test_bandwidth_Bps(c.mode, CommDirection(d), c.traffic, *p[d]);
        t.time_s[d] = p[d]->end_s() - p[d]->start_s;
    }
    return t;
}

CaseTimes run_fluid(const Case& c, const NetworkCalibration& shared, int comm_sms) {
    const double w0                = wall_now();
    const NetworkCalibration calib = shared.for_kernels(c.mode == M::Normal, comm_sms);
    FluidNetwork net(*c.topo, calib);
    const PhaseOptions o     = deepep_phase_options(c.mode, calib);
    const PhaseTiming first  = net.solve(c.flows[0], 0.0, fluid_options(o));
    const PhaseTiming second = net.solve(c.flows[1], first.end_s(), fluid_options(o));
    CaseTimes t              = measure(c, first, second);
    t.wall_s                 = wall_now() - w0;
    return t;
}

CaseTimes run_simgrid(const Case& c, const CalibrationSetup& s) {
    const std::string text = run_in_child([&] {
        NetworkOptions run    = s.network;
        run.calibration       = s.network.calibration.for_kernels(c.mode == M::Normal, s.comm_sms);
        const PhaseOptions o  = deepep_phase_options(c.mode, run.calibration);
        const double w0       = wall_now();
        const CommRunResult r = run_comm_phases(*c.router, {c.flows[0], c.flows[1]}, {o, o}, run);
        CaseTimes t           = measure(c, r.phases.at(0), r.phases.at(1));
        t.wall_s              = wall_now() - w0;
        char buf[200];
        std::snprintf(buf, sizeof buf, "%.17g %.17g %.17g %.17g %.17g", t.bw_Bps[0], t.time_s[0], t.bw_Bps[1],
                      t.time_s[1], t.wall_s);
        return std::string(buf);
    });
    CaseTimes t;
    std::istringstream in(text);
    in >> t.bw_Bps[0] >> t.time_s[0] >> t.bw_Bps[1] >> t.time_s[1] >> t.wall_s;
    return t;
}

double row_error(const PublishedRow& row, double bw_Bps, double time_s) {
    return row.mode == M::LowLatency ? time_s * 1e6 / row.latency_us - 1 : bw_Bps / 1e9 / row.bandwidth_GBps - 1;
}

} // namespace

std::vector<PublishedRow> deepep_rows(DeepEpGeneration g) {
    std::vector<PublishedRow> rows(std::begin(kIntranode), std::end(kIntranode));
    const auto add = [&](std::span<const PublishedRow> r, int min_ep) {
        for (const PublishedRow& p : r)
            if (p.ep >= min_ep) rows.push_back(p);
    };
    add(g == DeepEpGeneration::V1_2025_02 ? std::span<const PublishedRow>(kInternodeProxy) : kInternodeIbgda, 0);
    if (g == DeepEpGeneration::V1_2025_06_Nvlink) {
        add(kLowLatencyNvlink, 0);
        add(kLowLatencyRdma, 128); // EP128/256 unchanged: no two ranks of one node share experts' traffic
    } else {
        add(kLowLatencyRdma, 0);
    }
    return rows;
}

CalibrationSetup setup_for(DeepEpGeneration g) {
    CalibrationSetup s;
    s.network.deepep      = g;
    s.network.calibration = deepep_calibration(g);
    return s;
}

double deepep_test_bandwidth_Bps(DeepEpMode mode, CommDirection dir, const TrafficMatrix& t, const PhaseTiming& timing,
                                 const DeepEpShape& shape) {
    const double time = timing.end_s() - timing.start_s;
    if (!(time > 0)) return 0;
    const bool internode  = t.num_gpus > t.gpus_per_node;
    const double per_unit = mode == M::LowLatency ? double(dir == D::Dispatch ? ll_dispatch_bytes_per_selection(shape)
                                                                              : ll_combine_bytes_per_selection(shape))
                                                  : normal_metric_bytes_per_token(shape, dir);
    double units          = 0;
    for (int r = 0; r < t.num_gpus; ++r) {
        if (mode == M::LowLatency)
            for (int d = 0; d < t.num_gpus; ++d)
                units += double(t.selections_at(r, d));
        else if (internode)
            for (int m = 0; m < t.num_nodes(); ++m)
                units += double(t.node_tokens_at(r, m));
        else
            for (int s = 0; s < t.num_gpus; ++s)
                units += double(t.tokens_at(s, r));
    }
    return units / t.num_gpus * per_unit / time;
}

std::vector<CalibrationResult> run_calibration(const CalibrationSetup& setup, std::span<const PublishedRow> rows) {
    setup.network.calibration.validate();
    std::map<std::pair<int, int>, CaseTimes> done; // (mode, ep) -> times
    std::vector<CalibrationResult> out;
    for (const PublishedRow& row : rows) {
        const auto key = std::make_pair(int(row.mode), row.ep);
        if (!done.count(key)) {
            const Case c = make_case(setup, row.mode, row.ep);
            done[key] =
                setup.use_simgrid ? run_simgrid(c, setup) : run_fluid(c, setup.network.calibration, setup.comm_sms);
        }
        const CaseTimes& t = done[key];
        const int d        = int(row.direction);
        CalibrationResult r;
        r.published      = row;
        r.simulated_GBps = t.bw_Bps[d] / 1e9;
        r.simulated_us   = t.time_s[d] * 1e6;
        r.error          = row_error(row, t.bw_Bps[d], t.time_s[d]);
        r.wall_s         = t.wall_s;
        out.push_back(r);
    }
    return out;
}

void print_calibration_table(std::span<const CalibrationResult> rows, std::ostream& out) {
    char line[256];
    std::snprintf(line, sizeof line, "%5s  %-21s %-20s %-20s %7s\n", "EP", "kernel", "published", "simulated", "error");
    out << line;
    int bad      = 0;
    double worst = 0;
    for (const CalibrationResult& r : rows) {
        const auto& p            = r.published;
        const std::string kernel = std::string(to_string(p.mode)) + " " + std::string(to_string(p.direction));
        char pub[64], sim[64];
        if (p.mode == M::LowLatency) {
            std::snprintf(pub, sizeof pub, "%4.0f us (%3.0f GB/s)", p.latency_us, p.bandwidth_GBps);
            std::snprintf(sim, sizeof sim, "%5.1f us (%4.1f GB/s)", r.simulated_us, r.simulated_GBps);
        } else {
            std::snprintf(pub, sizeof pub, "%5.0f GB/s", p.bandwidth_GBps);
            std::snprintf(sim, sizeof sim, "%6.1f GB/s", r.simulated_GBps);
        }
        const bool ok = std::abs(r.error) <= kCalibrationTolerance;
        bad += !ok;
        worst = std::max(worst, std::abs(r.error));
        std::snprintf(line, sizeof line, "%5d  %-21s %-20s %-20s %+6.1f %%%s\n", p.ep, kernel.c_str(), pub, sim,
                      r.error * 100, ok ? "" : "  <-- outside tolerance");
        out << line;
    }
    std::snprintf(line, sizeof line, "%zu rows, %d outside +/-%.0f %%, worst |error| %.1f %%\n", rows.size(), bad,
                  kCalibrationTolerance * 100, worst * 100);
    out << line;
}

NetworkCalibration fit_calibration(const CalibrationSetup& setup, std::ostream* log) {
    const auto rows = deepep_rows(DeepEpGeneration::V1_2025_04_Ibgda);
    std::vector<Case> cases;
    std::map<std::pair<int, int>, std::size_t> index;
    for (const PublishedRow& r : rows) {
        const auto key = std::make_pair(int(r.mode), r.ep);
        if (index.count(key)) continue;
        index[key] = cases.size();
        cases.push_back(make_case(setup, r.mode, r.ep));
    }
    struct Score {
        double worst = 1e9, sumsq = 1e9;
        NetworkCalibration calib;
        bool operator<(const Score& o) const {
            return worst < o.worst - 1e-12 || (worst < o.worst + 1e-12 && sumsq < o.sumsq);
        }
    };
    // For fixed efficiencies the phase times scale by nothing but the overhead shift, so each
    // efficiency pair costs one solve per case; the two overheads are then searched directly.
    auto evaluate = [&](double nvl, double ib) {
        NetworkCalibration c = setup.network.calibration;
        c.nvlink_efficiency  = nvl;
        c.ib_efficiency      = ib;
        c.normal_overhead_s = c.low_latency_overhead_s = 0;
        std::vector<CaseTimes> base;
        for (const Case& k : cases)
            base.push_back(run_fluid(k, c, setup.comm_sms));
        Score best_total;
        best_total.worst = 0;
        best_total.sumsq = 0;
        for (M mode : {M::Normal, M::LowLatency}) {
            Score best;
            for (double o_us = 0; o_us <= 60.0 + 1e-9; o_us += 0.5) {
                double worst = 0, sumsq = 0;
                for (const PublishedRow& r : rows) {
                    if (r.mode != mode) continue;
                    const CaseTimes& t = base[index[{int(r.mode), r.ep}]];
                    const int d        = int(r.direction);
                    const double time  = t.time_s[d] + o_us * 1e-6;
                    const double e     = row_error(r, t.bw_Bps[d] * t.time_s[d] / time, time);
                    worst              = std::max(worst, std::abs(e));
                    sumsq += e * e;
                }
                Score s{worst, sumsq, c};
                (mode == M::Normal ? s.calib.normal_overhead_s : s.calib.low_latency_overhead_s) = o_us * 1e-6;
                if (s < best) best = s;
            }
            best_total.worst = std::max(best_total.worst, best.worst);
            best_total.sumsq += best.sumsq;
            (mode == M::Normal ? best_total.calib.normal_overhead_s : best_total.calib.low_latency_overhead_s) =
                mode == M::Normal ? best.calib.normal_overhead_s : best.calib.low_latency_overhead_s;
        }
        best_total.calib.nvlink_efficiency = nvl;
        best_total.calib.ib_efficiency     = ib;
        return best_total;
    };
    Score best;
    double step = 0.02, lo_n = 0.70, hi_n = 1.0, lo_i = 0.70, hi_i = 1.0;
    for (int round = 0; round < 2; ++round) {
        for (int a = 0; lo_n + a * step <= hi_n + 1e-9; ++a)
            for (int b = 0; lo_i + b * step <= hi_i + 1e-9; ++b) {
                const Score s = evaluate(std::min(1.0, lo_n + a * step), std::min(1.0, lo_i + b * step));
                if (s < best) best = s;
            }
        if (log)
            *log << "fit round " << round << ": worst |error| " << best.worst * 100 << " %, " << best.calib << '\n';
        lo_n = std::max(0.5, best.calib.nvlink_efficiency - step);
        hi_n = std::min(1.0, best.calib.nvlink_efficiency + step);
        lo_i = std::max(0.5, best.calib.ib_efficiency - step);
        hi_i = std::min(1.0, best.calib.ib_efficiency + step);
        step /= 4;
    }
    return best.calib;
}

NetworkCalibration fit_generation(const CalibrationSetup& setup, std::ostream* log) {
    if (setup.network.deepep == DeepEpGeneration::V1_2025_04_Ibgda) return fit_calibration(setup, log);
    const bool ibrc = setup.network.deepep == DeepEpGeneration::V1_2025_02;
    std::vector<PublishedRow> rows;
    for (const PublishedRow& r : deepep_rows(setup.network.deepep)) // the rows the parameters act on
        if (ibrc ? r.mode == M::Normal && r.ep > 8 : r.mode == M::LowLatency) rows.push_back(r);
    CalibrationSetup s = setup;
    s.use_simgrid      = false;
    // Grid then refinements around the best point; minimax, ties broken by the sum of squares.
    // v1_2025_02: ibrc_chunk_stall_s in 0..20 us (one parameter). v1_2025_06_nvlink:
    // ll_nvlink_message_s in 0..60 ns and ll_rdma_after_nvlink in 0..1 (two).
    struct Point {
        double a = 0, b = 0, worst = 1e9, sumsq = 1e9;
    };
    auto score = [&](double a, double b) {
        if (ibrc)
            s.network.calibration.ibrc_chunk_stall_s = a;
        else
            s.network.calibration.ll_nvlink_message_s = a, s.network.calibration.ll_rdma_after_nvlink = b;
        Point p{a, b, 0, 0};
        for (const CalibrationResult& r : run_calibration(s, rows)) {
            p.worst = std::max(p.worst, std::abs(r.error));
            p.sumsq += r.error * r.error;
        }
        return p;
    };
    double lo_a = 0, hi_a = ibrc ? 20e-6 : 60e-9, lo_b = 0, hi_b = ibrc ? 0 : 1;
    int steps_a = 20, steps_b = ibrc ? 0 : 10;
    Point best;
    for (int round = 0; round < 3; ++round) {
        const double da = (hi_a - lo_a) / steps_a, db = steps_b > 0 ? (hi_b - lo_b) / steps_b : 0;
        for (int i = 0; i <= steps_a; ++i)
            for (int j = 0; j <= steps_b; ++j) {
                const Point p = score(lo_a + i * da, std::min(1.0, lo_b + j * db));
                if (p.worst < best.worst - 1e-9 || (p.worst < best.worst + 1e-9 && p.sumsq < best.sumsq)) best = p;
            }
        if (log)
            *log << "fit round " << round << ": worst |error| " << best.worst * 100 << " % at " << best.a << ", "
                 << best.b << '\n';
        lo_a = std::max(0.0, best.a - da), hi_a = best.a + da;
        lo_b = std::max(0.0, best.b - db), hi_b = std::min(1.0, best.b + db);
    }
    NetworkCalibration c = setup.network.calibration;
    if (ibrc)
        c.ibrc_chunk_stall_s = best.a;
    else
        c.ll_nvlink_message_s = best.a, c.ll_rdma_after_nvlink = best.b;
    return c;
}

} // namespace moetwin
