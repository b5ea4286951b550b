// SPDX-License-Identifier: Apache-2.0
// serving.expert_drift's keys (scenarios/README.md, "serving.expert_drift"): strict, in SI units after parsing.
#pragma once

#include "common/json_reader.hpp"
#include "sim/serving/drift/drift_config.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>

namespace moetwin::serving {

// Contract: `o` is serving.expert_drift; paths resolve against base_dir. ConfigError (with the JSON path) for an
// unknown key, a value out of range, a rebalance or window period that is not a whole number of series periods
// (series_period_s, itself a whole number of minutes), or fewer than 2 runs.
ExpertDriftConfig parse_expert_drift(const JsonObject& o, const std::filesystem::path& base_dir,
                                     double series_period_s);

// What parse_expert_drift reads back to the same config (paths written as they resolved).
nlohmann::ordered_json expert_drift_to_json(const ExpertDriftConfig& c);

} // namespace moetwin::serving
