// SPDX-License-Identifier: Apache-2.0
// Names of the serving phases.
#include "engine/phase.hpp"

namespace moetwin {

std::string_view to_string(Phase phase) {
    return table_name(kPhases, phase);
}

Phase parse_phase(std::string_view name) {
    return table_parse(kPhases, name, "phase");
}

} // namespace moetwin
