// SPDX-License-Identifier: Apache-2.0
// Reading and writing the scenario's `serving` section (scenarios/README.md, "serving"). The scenario's
// parser (sim/scenario_json.cpp) and writer (sim/scenario_json_write.cpp) call these two functions and
// nothing else of the serving replay.
#pragma once

#include "sim/serving/serving_config.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>

namespace moetwin {
class JsonObject;
struct Scenario;
} // namespace moetwin

namespace moetwin::serving {

// Contract: parses `o` (the "serving" object) strictly; `s` is the scenario parsed so far (its deployment
// and workload give defaults and are checked against the mode). Throws ConfigError with the JSON path:
// unknown keys, a pool whose schedule leaves it without a unit at some time, a mode whose units are missing.
ServingConfig parse_serving(const JsonObject& o, const Scenario& s, const std::filesystem::path& base_dir);

// The canonical JSON of `c` (every key explicit); parse_serving of it gives back `c`.
nlohmann::ordered_json serving_to_json(const ServingConfig& c);

} // namespace moetwin::serving
