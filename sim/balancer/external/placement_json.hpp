// SPDX-License-Identifier: Apache-2.0
// Placements made outside moetwin (issue 16 item 5): the placement JSON any tool can write
// (deepseek-ai/EPLB's phy2log, one row per MoE layer) and the loads JSON a placement command reads.
// Formats: scenarios/README.md, "Bring your own placement".
#pragma once

#include "sim/balancer/placement.hpp"

#include <filesystem>
#include <string>
#include <string_view>

namespace moetwin::balancer {

// balancer.policy names of the placements made outside moetwin (not PlaceFn policies: they need a
// path or a command, so they live beside the registry, not in it).
inline constexpr std::string_view kPlacementFromFile    = "file";
inline constexpr std::string_view kPlacementFromCommand = "command";

// Parses {"phy2log": [[logical expert of each slot] × num_layers]} and checks it against the
// shape moetwin expects: exactly num_layers rows of exactly spec.num_slots integers in
// [0, num_experts), every logical expert with ≥ 1 replica in every layer. Throws ConfigError naming
// `source` (a file or "command output"), the JSON path "phy2log[layer][slot]", the layer and slot,
// and what was expected. The result passes check_placement(…, spec).
Placement parse_placement_json(std::string_view text, const std::string& source, int num_layers, int num_experts,
                               const PlacementSpec& spec);

// read_file + parse_placement_json, naming the file.
Placement load_placement_file(const std::filesystem::path& path, int num_layers, int num_experts,
                              const PlacementSpec& spec);

// {"phy2log": [[...] × layers]}: what parse_placement_json reads (kEmptySlot is written as -1 and
// rejected on reading back: only complete placements round-trip).
std::string placement_json(const Placement& p);

// The request a placement command reads on stdin: {"num_layers", "num_experts", "num_slots",
// "num_gpus", "num_nodes", "num_groups", "gpu_of_slot": [GPU of each slot], "logical_count":
// [[load of each logical expert] × num_layers]} (loads as the policy sees them: any non-negative
// scale; recorded runs give (token, expert) counts).
std::string placement_request_json(const ExpertLoad& load, const PlacementSpec& spec);

} // namespace moetwin::balancer
