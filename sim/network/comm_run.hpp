// SPDX-License-Identifier: Apache-2.0
// run_comm_phases(): a whole SimGrid simulation of a list of all-to-all phases, one actor per rank
// that starts and waits on every phase in order. Used by calibration, benches and tests.
// NOTES: it constructs the process's one SimEngine (sim_engine.hpp), so it can run once per process;
// use run_in_child() (subprocess.hpp) to run several.
#pragma once

#include "sim/network/all_to_all.hpp"
#include "sim/network/sim_engine.hpp"

#include <string>
#include <vector>

namespace moetwin {

struct CommRunResult {
    std::vector<PhaseTiming> phases;
    std::vector<double> link_bytes; // by 2 * LinkId + (up ? 0 : 1)
    double platform_wall_s = 0;     // SimEngine::setup_wall_s(): engine, platform, fabric, phases, actors
    double run_wall_s      = 0;     // SimEngine::run()
};

// Throws ConfigError when this process already had a SimEngine. network.deepep is not used (the
// flows are built already).
CommRunResult run_comm_phases(const Router& router, const std::vector<FlowSet>& phases,
                              const std::vector<PhaseOptions>& options, const NetworkOptions& network);

// Text round trip, so results can cross a fork() pipe.
std::string serialize(const CommRunResult& r);
CommRunResult deserialize_comm_run(const std::string& text);

} // namespace moetwin
