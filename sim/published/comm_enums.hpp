// SPDX-License-Identifier: Apache-2.0
// The network library's named choices, each with its one name table (common/name_table.hpp): how an
// all-to-all phase is carried (CommBackend), which DeepEP kernel family moves it (DeepEpMode), and which way
// (CommDirection). Plain enums with no SimGrid, so the scenario, the step program and the GUI share them.
#pragma once

#include "common/name_table.hpp"

#include <array>
#include <cstdint>
#include <string_view>

namespace moetwin {

enum class CommBackend : std::uint8_t {
    Fluid,        // FluidNetwork solves the phase when the last rank joins; ranks sleep until their time
    SimGridFlows, // every Flow is a SimGrid communication (CM02 max-min sharing); slow, the reference
};
inline constexpr std::array<NameEntry<CommBackend>, 2> kCommBackends = {{
    {CommBackend::Fluid, "fluid", "one fluid solve per all-to-all phase; SimGrid keeps the clock and barrier"},
    {CommBackend::SimGridFlows, "simgrid_flows", "one SimGrid communication per flow, max-min sharing (slow)"},
}};
constexpr std::string_view to_string(CommBackend b) {
    return table_name(kCommBackends, b);
}

enum class DeepEpMode : std::uint8_t { Normal, LowLatency };
inline constexpr std::array<NameEntry<DeepEpMode>, 2> kDeepEpModes = {{
    {DeepEpMode::Normal, "normal", "DeepEP normal kernels: RDMA once per node, NVLink forwarding (prefill)"},
    {DeepEpMode::LowLatency, "low_latency", "DeepEP low-latency kernels: one RDMA message per selection (decode)"},
}};
constexpr std::string_view to_string(DeepEpMode m) {
    return table_name(kDeepEpModes, m);
}

enum class CommDirection : std::uint8_t { Dispatch, Combine };
inline constexpr std::array<NameEntry<CommDirection>, 2> kCommDirections = {{
    {CommDirection::Dispatch, "dispatch", "tokens to the GPUs holding their experts"},
    {CommDirection::Combine, "combine", "expert outputs back to the tokens' GPUs"},
}};
constexpr std::string_view to_string(CommDirection d) {
    return table_name(kCommDirections, d);
}

} // namespace moetwin
