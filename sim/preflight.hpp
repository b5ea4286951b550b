// SPDX-License-Identifier: Apache-2.0
// Everything `moetwin run` checks before it simulates, in one place that `moetwin validate` calls too
// (issue 15 defect 14: validate accepted what run rejected at plan time), and the size guard
// (defect 7): the memory and time a run would take, estimated from the scenario alone and refused
// when the machine, or a limit the user can raise, cannot afford them.
#pragma once

#include "engine/calibration.hpp"
#include "engine/profile.hpp"
#include "engine/roofline.hpp"
#include "sim/scenario.hpp"

#include <memory>
#include <string>

namespace moetwin {

// What one `moetwin run` of a scenario costs, estimated before planning (sim/preflight.cpp derives
// each term from the data structures the planner and executor allocate).
struct RunEstimate {
    double memory_bytes = 0;      // peak resident: traffic matrices of every (MoE layer, micro-batch), stage
                                  // times, the executor's flows of one phase, the trace's events
    double seconds = 0;           // planning + simulation on one core of the reference machine (README "Speed")
    std::string describe() const; // "12.3 GiB of memory, about 45 s"
};

struct SizeLimits {
    double memory_bytes = 0;  // 0: the memory the machine has available now (/proc/meminfo MemAvailable)
    double minutes      = 30; // estimated planning + simulation time
};

RunEstimate estimate_run(const Scenario& s);
// MemAvailable from /proc/meminfo, else free pages × page size (sysconf); 0 when neither is known.
double available_memory_bytes();
// Throws ConfigError "<file>: the run needs about X GiB of memory ... (limit Y ...; raise it with ...)".
void check_run_size(const Scenario& s, const SizeLimits& limits);

// compute.calibration and compute.source = profile, read and checked as run() uses them (nullptr when
// the scenario names none). ConfigError names the scenario key and the file.
std::shared_ptr<const CalibrationFile> load_calibration_for(const Scenario& s);
std::unique_ptr<ProfileTable> load_profile_for(const Scenario& s, const RooflineModel& roofline);

// Every check run() makes before simulating, without routing a token: the cluster the topology builder
// accepts, the memory-fit inputs of each unit (not its verdict: validate reports it, run refuses it),
// the calibration and profile files, the schedule program, the gate, the expert placement, the
// communication kernels' SMs and the size guard. Throws the ConfigError run() would.
void check_runnable(const Scenario& s, const SizeLimits& limits);

} // namespace moetwin
