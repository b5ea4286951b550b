// SPDX-License-Identifier: Apache-2.0
// Plausible ranges of every physical value a scenario sets (hardware overrides, link bandwidths and
// latencies, popularity and context parameters, rates, network calibration), in one table with the
// reason for each range. The parser calls check_physical_bounds() once the scenario is converted to SI
// units, so a value that is finite in the file but not after conversion (1e300 GB/s) is caught too.
// scenarios/README.md lists the same table ("Plausible ranges"); a test keeps the two in step.
// Rows without an si_value are values that Scenario does not hold as one number (a pool's settings, an
// array's elements, serving.traffic, which `moetwin serve` reads, a sweep file's keys): their reader reads
// them through read_bounded(), which checks the same row after conversion and names the key's own JSON path.
#pragma once

#include "common/json_reader.hpp"
#include "sim/scenario.hpp"

#include <cstdint>

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
    // The parsed value in SI units; nullopt where the key does not apply (another distribution). Null for
    // a row its reader checks with read_bounded().
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

// The readers' side of the table. `row` is the row's path, which writes an array's elements as "[]" and
// either serving pool as "*" ("serving.*.autoscale.period_min"); the error names the key's own JSON path
// ("serving.decode.autoscale.period_min", "serving.traffic.synthetic.tenants[2].weight"):
//   "<file>: <json path>: <value> <unit> is outside the plausible range [min, max <unit>] (<reason>)".
// Numbers are written in the row's unit and returned in SI units (checked after the conversion); integers
// are counts in the row's unit (si_per_unit 1), read as 64-bit before the check.
double read_bounded(const JsonObject& o, std::string_view key, std::string_view row); // required
double read_bounded(const JsonObject& o, std::string_view key, std::string_view row, double fallback_si);
double read_bounded(const JsonArray& a, std::size_t i, std::string_view row);
int64_t read_bounded_integer(const JsonObject& o, std::string_view key, std::string_view row); // required
int64_t read_bounded_integer(const JsonObject& o, std::string_view key, std::string_view row, int64_t fallback);

} // namespace moetwin
