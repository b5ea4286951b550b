// SPDX-License-Identifier: Apache-2.0
// Shared CLI helpers: version string, spdlog level, the SCENARIO argument.
#include "sim/cli/cli_common.hpp"

#include "sim/cli/commands.hpp"

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

namespace moetwin::cli {

const char* version() { return MOETWIN_VERSION; }

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

} // namespace moetwin::cli
