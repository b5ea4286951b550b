// SPDX-License-Identifier: Apache-2.0
// scenario_from_result: the recorded canonical scenario, parsed with the scenario file's own rules.
#include "sim/scenario_from_result.hpp"

#include "common/errors.hpp"
#include "sim/result/result_json.hpp"

namespace moetwin {

Scenario scenario_from_result(const RunResult& r, const std::string& origin, const std::filesystem::path& base_dir) {
    if (r.scenario_json == "{}")
        throw ConfigError(origin + ": scenario: empty; this result does not record the scenario that was run");
    return parse_scenario(r.scenario_json, origin + ": scenario", base_dir);
}

Scenario load_scenario_from_result(const std::filesystem::path& result_path) {
    const RunResult r = read_result_json(result_path);
    return scenario_from_result(r, result_path.string(), std::filesystem::absolute(result_path).parent_path());
}

} // namespace moetwin
