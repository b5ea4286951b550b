// SPDX-License-Identifier: Apache-2.0
// run_comm_phases(): a SimEngine, one actor per rank, run; and the text form of the result.
#include "sim/network/comm_run.hpp"

#include "common/errors.hpp"

#include <simgrid/s4u/Actor.hpp>

#include <cstdio>
#include <sstream>

namespace sg4 = simgrid::s4u;

namespace moetwin {
CommRunResult run_comm_phases(const Router& router, const std::vector<FlowSet>& phases,
                              const std::vector<PhaseOptions>& options, const NetworkOptions& network) {
    if (phases.size() != options.size()) throw ConfigError("run_comm_phases: one PhaseOptions per phase");
    const int ranks = phases.empty() ? 0 : phases.front().num_ranks();
    for (const FlowSet& p : phases)
        if (p.gpu_of_rank != phases.front().gpu_of_rank) throw ConfigError("run_comm_phases: phases must share ranks");

    SimEngine sim(router, network);
    std::vector<std::shared_ptr<AllToAllPhase>> created;
    for (std::size_t i = 0; i < phases.size(); ++i)
        created.push_back(sim.fabric().create_phase(phases[i], options[i]));
    for (int r = 0; r < ranks; ++r)
        sg4::Actor::create("rank" + std::to_string(r), sim.platform().host(phases.front().gpu_of_rank[std::size_t(r)]),
                           [&created, r] {
                               for (auto& phase : created)
                                   phase->start(r).wait();
                           });
    CommRunResult result;
    result.platform_wall_s = sim.setup_wall_s();
    sim.run();
    result.run_wall_s = sim.run_wall_s();
    for (auto& p : created)
        result.phases.push_back(p->timing());
    result.link_bytes = sim.fabric().link_bytes();
    return result;
}

std::string serialize(const CommRunResult& r) {
    std::ostringstream out;
    out.precision(17);
    out << r.platform_wall_s << ' ' << r.run_wall_s << ' ' << r.phases.size() << '\n';
    for (const PhaseTiming& p : r.phases) {
        out << p.start_s << ' ' << p.send_done_s.size();
        for (std::size_t i = 0; i < p.send_done_s.size(); ++i)
            out << ' ' << p.send_done_s[i] << ' ' << p.recv_done_s[i];
        out << '\n';
    }
    std::size_t nonzero = 0;
    for (double b : r.link_bytes)
        nonzero += b != 0;
    out << r.link_bytes.size() << ' ' << nonzero;
    for (std::size_t i = 0; i < r.link_bytes.size(); ++i)
        if (r.link_bytes[i] != 0) out << ' ' << i << ' ' << r.link_bytes[i];
    out << '\n';
    return out.str();
}

CommRunResult deserialize_comm_run(const std::string& text) {
    std::istringstream in(text);
    CommRunResult r;
    std::size_t phases = 0;
    in >> r.platform_wall_s >> r.run_wall_s >> phases;
    for (std::size_t p = 0; p < phases; ++p) {
        PhaseTiming t;
        std::size_t n = 0;
        in >> t.start_s >> n;
        t.send_done_s.resize(n);
        t.recv_done_s.resize(n);
        for (std::size_t i = 0; i < n; ++i)
            in >> t.send_done_s[i] >> t.recv_done_s[i];
        r.phases.push_back(std::move(t));
    }
    std::size_t size = 0, nonzero = 0;
    in >> size >> nonzero;
    r.link_bytes.assign(size, 0);
    for (std::size_t k = 0; k < nonzero; ++k) {
        std::size_t i = 0;
        double b      = 0;
        in >> i >> b;
        if (i < size) r.link_bytes[i] = b;
    }
    if (!in) throw ConfigError("comm run: malformed result text");
    return r;
}

} // namespace moetwin
