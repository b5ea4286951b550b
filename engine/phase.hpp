// SPDX-License-Identifier: Apache-2.0
// The two serving phases. Prefill and decode run on separate units (DeepSeek Day-6, reference §3)
// and differ in attention kernel, all-to-all mode and what "batch" means (tokens vs requests).
#pragma once

#include <string_view>

namespace moetwin {

enum class Phase { Prefill, Decode };

// "prefill", "decode".
std::string_view to_string(Phase phase);
// Inverse of to_string; throws ConfigError "unknown phase 'x' (known: prefill, decode)".
Phase parse_phase(std::string_view name);

} // namespace moetwin
