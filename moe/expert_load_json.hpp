// SPDX-License-Identifier: Apache-2.0
// The one place that parses expert-load JSON (SGLang's EPLB statistics format, see
// ../shared/data/README.md): {"logical_count": [[<num_experts numbers>] × <num_layers>]}.
#pragma once

#include "moe/expert_load.hpp"

#include <filesystem>
#include <string_view>

namespace moetwin {

// Reads and validates a loads file. Throws ConfigError naming the file, then either the line and
// column of a JSON syntax error or the JSON path and what was expected there
// ("loads.json: logical_count[4][17]: expected a number >= 0, got the number -3"). Unknown keys are rejected.
ExpertLoad load_expert_load(const std::filesystem::path& path);

// Same, from text; `source` names the input in error messages.
ExpertLoad parse_expert_load(std::string_view text, std::string_view source);

} // namespace moetwin
