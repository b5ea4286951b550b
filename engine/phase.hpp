// SPDX-License-Identifier: Apache-2.0
// The two serving phases. Prefill and decode run on separate units (DeepSeek Day-6, reference §3)
// and differ in attention kernel, all-to-all mode and what "batch" means (tokens vs requests).
#pragma once

#include "common/name_table.hpp"

#include <array>
#include <string_view>

namespace moetwin {

enum class Phase { Prefill, Decode };

inline constexpr std::array<NameEntry<Phase>, 2> kPhases = {{
    {Phase::Prefill, "prefill", "prompt processing: tokens_per_gpu tokens per DP rank, normal all-to-all"},
    {Phase::Decode, "decode", "one token per request: requests_per_gpu requests per DP rank, low-latency all-to-all"},
}};

// "prefill", "decode".
std::string_view to_string(Phase phase);
// Inverse of to_string; throws ConfigError (unknown_name_message) for an unknown name.
Phase parse_phase(std::string_view name);

} // namespace moetwin
