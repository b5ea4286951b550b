// SPDX-License-Identifier: Apache-2.0
// Where in a text file an error is: 1-based line and column of a byte offset. Every JSON reader in
// moetwin (scenarios, results, expert loads, profiles) reports syntax errors as "<file>:<line>:<col>".
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace moetwin {

struct LineCol {
    std::size_t line = 1;
    std::size_t col  = 1;
};

// Line and column of the byte at 0-based `offset` (clamped to the text's end).
LineCol line_col(std::string_view text, std::size_t offset);

// Line and column of a nlohmann::json parse_error, whose `byte` is the 1-based index of the offending
// byte (one past the end when the input ran out).
inline LineCol json_error_position(std::string_view text, std::size_t nlohmann_byte) {
    return line_col(text, nlohmann_byte > 0 ? nlohmann_byte - 1 : 0);
}

// "12:5".
inline std::string to_string(const LineCol& lc) {
    return std::to_string(lc.line) + ":" + std::to_string(lc.col);
}

} // namespace moetwin
