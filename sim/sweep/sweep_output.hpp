// SPDX-License-Identifier: Apache-2.0
// A sweep's outputs: sweep.csv and sweep.json with every point (format in scenarios/sweeps/README.md), and
// sweep.png and sweep_cost.png, the two Pareto fronts, drawn by gnuplot when it is installed.
#pragma once

#include "sim/sweep/sweep_run.hpp"

#include <filesystem>
#include <string>

namespace moetwin::sweep {

// Contract: pure; byte-identical for the same outcome. One row per point, in point order.
std::string sweep_csv(const SweepSpec& spec, const SweepOutcome& outcome);
std::string sweep_json(const SweepSpec& spec, const SweepOutcome& outcome, const std::string& version);

// The two fronts drawn: tokens/s per GPU against tokens/s per user (sweep.png), and cost per million tokens
// against latency (sweep_cost.png).
enum class Plot { GpuVsUser, CostVsLatency };

// The gnuplot script that draws one plot from sweep.csv's figures (inline data).
std::string sweep_plot_script(const SweepSpec& spec, const SweepOutcome& outcome, const std::filesystem::path& png,
                              Plot plot = Plot::GpuVsUser);

// Writes sweep.csv and sweep.json atomically into `dir`, and sweep.png and sweep_cost.png when gnuplot is on the
// PATH. Returns "" or, when a plot was not drawn, why.
std::string write_sweep_outputs(const SweepSpec& spec, const SweepOutcome& outcome, const std::string& version,
                                const std::filesystem::path& dir);

} // namespace moetwin::sweep
