// SPDX-License-Identifier: Apache-2.0
// What differs between the scenarios two results ran (RunResult::scenario_json, every default filled in): a
// flat list of JSON paths, so an A/B compare says "balancer.policy" rather than only "meta.scenario".
// Pure functions; no ImGui.
#pragma once

#include "sim/result/result.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace moetwin::gui {

struct JsonDifference {
    std::string path; // "balancer.policy", "units.decode.ep_size", "workload.lengths[2]"; "" for the root
    std::string a;    // the value in A, compact JSON ("\"eplb\"", "144", "{...}"); "(absent)" when A lacks it
    std::string b;    // the same for B

    bool operator==(const JsonDifference&) const = default;
};

// Leaf paths whose values differ between two JSON documents, in path order (object keys sorted, array
// indices ascending). Objects are compared key by key and arrays of equal length element by element; a
// value of another type or an array of another length is one difference at its own path. Numbers compare
// by value (1 == 1.0). Throws nlohmann::json::parse_error on invalid JSON.
std::vector<JsonDifference> json_differences(std::string_view a_json, std::string_view b_json);

// json_differences of the two results' recorded scenarios, without "name" and "description" (the setup list
// already says when the scenario's name differs). Empty when either result records no scenario ("{}").
std::vector<JsonDifference> scenario_differences(const RunResult& a, const RunResult& b);

// True when the result records the scenario it ran (result format 3 and later, from moetwin run).
bool records_scenario(const RunResult& r);

} // namespace moetwin::gui
