// SPDX-License-Identifier: Apache-2.0
// Byte offset -> 1-based line and column.
#include "common/text_position.hpp"

#include <algorithm>

namespace moetwin {

LineCol line_col(std::string_view text, std::size_t offset) {
    offset = std::min(offset, text.size());
    LineCol lc;
    std::size_t line_start = 0;
    for (std::size_t i = 0; i < offset; ++i) {
        if (text[i] == '\n') {
            ++lc.line;
            line_start = i + 1;
        }
    }
    lc.col = offset - line_start + 1;
    return lc;
}

} // namespace moetwin
