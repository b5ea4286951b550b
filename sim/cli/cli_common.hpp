// SPDX-License-Identifier: Apache-2.0
// Small pieces every subcommand shares: the version, logging verbosity, and reading the
// SCENARIO argument (a file, or the embedded default when it is empty).
#pragma once

#include "sim/preflight.hpp"
#include "sim/scenario.hpp"

#include <string>

namespace CLI {
class App;
}

namespace moetwin::cli {

const char* version();
void set_verbosity(int level);                       // 0 warnings, 1 info, 2+ debug (spdlog)
Scenario load_scenario_arg(const std::string& path); // "" -> embedded default
// --max-memory-GiB and --max-minutes: the size guard's limits (sim/preflight.hpp), for run and validate.
void add_size_limit_options(CLI::App& cmd, SizeLimits& limits);

} // namespace moetwin::cli
