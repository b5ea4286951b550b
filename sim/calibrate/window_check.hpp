// SPDX-License-Identifier: Apache-2.0
// The training-window replay against the trace it replicates: each DualPipe stage's mean GPU span over
// its occurrences and the whole window (first kernel to last), measured in DeepSeek's H800 trace and
// simulated from scenarios/deepseek_v3_train_window_ep64.json (compiled in), before and after the
// calibration `moetwin calibrate` fits from the same trace. Rows of `moetwin check -g trace`.
#pragma once

#include "sim/calibrate/calibrate.hpp"
#include "sim/check/check_row.hpp"
#include "sim/scenario.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace moetwin::calib {

struct WindowStage {
    std::string stage;      // trace annotation: "attn(F)", "dispatch(B)", ...
    double measured_us = 0; // mean GPU span over the trace's occurrences
    double twin_us     = 0; // replay, roofline defaults
    double twin_cal_us = 0; // replay with the trace's calibration file
};

struct WindowComparison {
    std::vector<WindowStage> stages; // compute stages first, then the four communication stages
    WindowStage window;              // "window": first kernel to last / the replay's step time
};

// The replica of the traced window (DualPipe chunk pair, 4 MoE layers, EP64).
Scenario training_window_scenario();

// Contract: runs the replay twice, each in a forked child (one SimGrid engine per process); writes the
// calibration of `trace` under `work_dir` for the second run. Deterministic. Throws ConfigError for a
// trace without the ten DualPipe stages.
WindowComparison compare_training_window(const ProfilerTrace& trace, const Scenario& window,
                                         const std::filesystem::path& work_dir);

// `moetwin check -g trace`: one row per stage and one for the window, published = the trace, twin = the
// calibrated replay; skipped rows when `ctx.shared_dir` lacks the trace.
check::CheckGroup trace_check_group();

} // namespace moetwin::calib
