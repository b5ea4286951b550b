// SPDX-License-Identifier: Apache-2.0
// Plausible ranges of every physical value a scenario sets (hardware overrides, link bandwidths and
// latencies, popularity and context parameters, rates, network calibration), in one table with the
// reason for each range. The parser calls check_physical_bounds() once the scenario is converted to SI
// units, so a value that is finite in the file but not after conversion (1e300 GB/s) is caught too.
// scenarios/README.md lists the same table ("Plausible ranges"); a test keeps the two in step.
#pragma once

#include "sim/scenario.hpp"

#include <optional>
#include <span>
#include <string_view>

namespace moetwin {

struct PhysicalBound {
    std::string_view path;  // the key's JSON path in the scenario
    std::string_view unit;  // the unit the key is written in ("GB/s", "µs", "" for a plain number)
    double si_per_unit = 1; // SI value of one key unit (GB/s: 1e9 B/s; µs: 1e-6 s)
    double min         = 0; // inclusive, in the key's unit
    double max         = 0; // inclusive, in the key's unit
    std::string_view reason;
    // The parsed value in SI units; nullopt where the key does not apply (another distribution).
    std::optional<double> (*si_value)(const Scenario&) = nullptr;
};

// The table, in schema order.
std::span<const PhysicalBound> physical_bounds();

// The row of `path` (e.g. "serving.prices.gpu_hour_usd"), for readers outside the scenario that take the same
// quantity (a sweep's cost.usd_per_gpu_hour); throws std::out_of_range for a path not in the table.
const PhysicalBound& physical_bound(std::string_view path);

// Checks every applicable value of `s` (already in SI units): finite and within its bound. Throws
// ConfigError "<s.source>: <path>: <value> <unit> is outside the plausible range [min, max] <unit> (<reason>)".
void check_physical_bounds(const Scenario& s);

} // namespace moetwin
