// SPDX-License-Identifier: Apache-2.0
// PNG plots of a serving replay's time series (dir/series.csv, serve_output.hpp) drawn by gnuplot (Debian:
// gnuplot-nox), as `moetwin sweep` draws its own (sim/sweep/sweep_output.cpp):
//   serve_throughput.png  input and output tokens/s and the paid nodes of each pool over the day
//   serve_latency.png     TTFT and TPOT p50 / p99 of each period's completions (log scale)
//   serve_cost.png        cost and revenue per hour (the scenario's prices; revenue of the period's arrivals'
//                         input, hit and miss, and its completions' output)
// Each plot's script stays beside it (<name>.gp) to redraw or restyle it.
#pragma once

#include "sim/serving/replay.hpp"

#include <filesystem>
#include <string>

namespace moetwin::serving {

// Contract: pure. The gnuplot script of plot `name` ("serve_throughput", "serve_latency", "serve_cost") that
// reads `series_csv` and writes `png`.
std::string serve_plot_script(const ReplayInputs& in, const std::string& name, const std::string& title,
                              const std::filesystem::path& series_csv, const std::filesystem::path& png);

// Draws the three plots from dir/series.csv into dir (each through a temporary renamed into place). Returns
// "" when all were drawn, else why not (gnuplot absent, or series.csv with fewer than two periods: nothing
// drawn and the note says so); never throws for a missing gnuplot.
std::string write_serve_plots(const ReplayInputs& in, const std::string& title, const std::filesystem::path& dir);

} // namespace moetwin::serving
