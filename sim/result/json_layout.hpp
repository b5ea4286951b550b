// SPDX-License-Identifier: Apache-2.0
// Deterministic, diff-friendly JSON layout for result files: nested structure indented, arrays of scalars and
// flat objects inside arrays on one line (so a matrix row, a span row or a GPU's counters is one line).
#pragma once

#ifndef JSON_USE_IMPLICIT_CONVERSIONS
#define JSON_USE_IMPLICIT_CONVERSIONS 0
#endif
#include <nlohmann/json.hpp>

#include <iosfwd>

namespace moetwin::json_layout {

// Writes `v` at nesting depth `depth` (2 spaces per level); the caller has written any key and indentation
// before it. Doubles use nlohmann's shortest round-trip form, so reading back gives the same bits.
// Key order is the insertion order of the ordered_json. Throws nlohmann::json::type_error on invalid UTF-8.
void write(std::ostream& out, const nlohmann::ordered_json& v, int depth = 0, bool in_array = false);

void indent(std::ostream& out, int depth);

} // namespace moetwin::json_layout
