// SPDX-License-Identifier: Apache-2.0
// Shared CLI helpers: version string, spdlog level, the SCENARIO argument, the size-guard options.
#include "sim/cli/cli_common.hpp"

#include "sim/cli/commands.hpp"

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

namespace moetwin::cli {

const char* version() {
    return MOETWIN_VERSION;
}

void set_verbosity(int level) {
    spdlog::set_level(level <= 0 ? spdlog::level::warn : level == 1 ? spdlog::level::info : spdlog::level::debug);
}

Scenario load_scenario_arg(const std::string& path) {
    if (path.empty()) {
        spdlog::info("no scenario given: using the embedded default");
        return default_scenario();
    }
    spdlog::info("loading scenario {}", path);
    return load_scenario(path);
}

void add_size_limit_options(CLI::App& cmd, SizeLimits& limits) {
    cmd.add_option_function<double>(
           "--max-memory-GiB", [&limits](double gib) { limits.memory_bytes = gib * 1073741824.0; },
           "Refuse a run estimated to need more memory (default: what the machine has available)")
        ->check(CLI::PositiveNumber);
    cmd.add_option("--max-minutes", limits.minutes, "Refuse a run estimated to take longer (default: 30)")
        ->check(CLI::PositiveNumber);
}

} // namespace moetwin::cli
