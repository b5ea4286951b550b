// SPDX-License-Identifier: Apache-2.0
// The scenario a result records (result.json's "scenario", RunResult::scenario_json): `moetwin run --from-result`
// reruns it exactly. Lives in moetwin_sim because moetwin_result never depends on the scenario model.
#pragma once

#include "sim/result/result.hpp"
#include "sim/scenario.hpp"

#include <filesystem>

namespace moetwin {

// Parses r.scenario_json as a scenario file (parse_scenario; its input paths are absolute, so `base_dir`
// matters only for hand-edited relative ones). `origin` names the result in errors, which read
// "<origin>: scenario: <json.path>: ...". Throws ConfigError when the result records no scenario ("{}").
Scenario scenario_from_result(const RunResult& r, const std::string& origin, const std::filesystem::path& base_dir);

// Reads `result_path` strictly (read_result_json), then scenario_from_result with its folder as base_dir.
Scenario load_scenario_from_result(const std::filesystem::path& result_path);

} // namespace moetwin
