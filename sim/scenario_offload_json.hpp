// SPDX-License-Identifier: Apache-2.0
// The `offload` section of a scenario (sim/scenario_offload.hpp): its reader and writer, called by the
// scenario parser and writer only. Internal to moetwin_scenario.
#pragma once

#include "common/json_reader.hpp"
#include "sim/scenario.hpp"

#include <nlohmann/json.hpp>

namespace moetwin {

// Contract: `s` has its model, hardware and deployment parsed. Reads root's optional `offload` object
// strictly into s.offload; ConfigError names the key (offload.host_memory_GB when offloading is enabled
// without host memory; a dense model, training or hosted_experts_per_gpu beside it are rejected).
void parse_offload(const JsonObject& root, Scenario& s);

// The canonical JSON of s.offload (every key), for scenario_to_json; called only when enabled.
nlohmann::json offload_to_json(const OffloadConfig& o);

} // namespace moetwin
