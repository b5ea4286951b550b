// SPDX-License-Identifier: Apache-2.0
// Names of the serving phases.
#include "engine/phase.hpp"

#include "common/errors.hpp"

#include <string>

namespace moetwin {

std::string_view to_string(Phase phase) {
    switch (phase) {
    case Phase::Prefill:
        return "prefill";
    case Phase::Decode:
        return "decode";
    }
    return "?";
}

Phase parse_phase(std::string_view name) {
    if (name == "prefill") return Phase::Prefill;
    if (name == "decode") return Phase::Decode;
    throw ConfigError("unknown phase '" + std::string(name) + "' (known: prefill, decode)");
}

} // namespace moetwin
