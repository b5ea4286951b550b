// SPDX-License-Identifier: Apache-2.0
// Byte offset -> line:column, and nlohmann's 1-based error byte, as every JSON reader reports them.
#include "common/text_position.hpp"

#include <gtest/gtest.h>

using namespace moetwin;

TEST(TextPosition, LineAndColumn) {
    const std::string_view text = "ab\ncd\n\nxyz";
    EXPECT_EQ(to_string(line_col(text, 0)), "1:1");
    EXPECT_EQ(to_string(line_col(text, 2)), "1:3"); // the '\n' ending line 1
    EXPECT_EQ(to_string(line_col(text, 3)), "2:1");
    EXPECT_EQ(to_string(line_col(text, 6)), "3:1"); // the empty line
    EXPECT_EQ(to_string(line_col(text, 9)), "4:3");
    EXPECT_EQ(to_string(line_col(text, 99)), "4:4"); // clamped: just past the end
}

TEST(TextPosition, NlohmannErrorByteIsOneBased) {
    const std::string_view text = "{\n  \"a\": 1,,\n}";
    // nlohmann reports byte 13 for the second ',' (index 12): line 2, column 11.
    EXPECT_EQ(to_string(json_error_position(text, 13)), "2:11");
    EXPECT_EQ(to_string(json_error_position(text, 0)), "1:1");
}
