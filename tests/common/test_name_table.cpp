// SPDX-License-Identifier: Apache-2.0
// The name-table helpers: exact lowercase lookups, the closest-name suggestion and the one error message.
#include "common/name_table.hpp"

#include <gtest/gtest.h>

namespace moetwin {
namespace {

enum class Colour { Red, DarkGreen, Blue };
constexpr std::array<NameEntry<Colour>, 3> kColours = {{
    {Colour::Red, "red", "the first"},
    {Colour::DarkGreen, "dark_green", "the second"},
    {Colour::Blue, "blue", "the third"},
}};

TEST(NameTable, RoundTripsEveryEntry) {
    for (const NameEntry<Colour>& e : kColours) {
        EXPECT_EQ(table_name(kColours, e.value), e.name);
        EXPECT_EQ(table_find(kColours, e.name), e.value);
        EXPECT_EQ(table_parse(kColours, e.name, "colour"), e.value);
    }
    static_assert(table_name(kColours, Colour::Blue) == "blue"); // usable at compile time
    EXPECT_EQ(table_names(kColours), (std::vector<std::string_view>{"red", "dark_green", "blue"}));
}

TEST(NameTable, OneCaseRuleExactLowercase) {
    EXPECT_FALSE(table_find(kColours, "Red"));
    EXPECT_FALSE(table_find(kColours, "RED"));
    EXPECT_FALSE(table_find(kColours, " red"));
    try {
        table_parse(kColours, "Dark_Green", "colour");
        FAIL() << "expected ConfigError";
    } catch (const ConfigError& e) {
        EXPECT_STREQ(e.what(), "\"Dark_Green\" is not a known colour (names are lowercase; did you mean "
                               "\"dark_green\"?); known: red, dark_green, blue");
    }
}

TEST(NameTable, SuggestsTheClosestNameOnlyForTypos) {
    const std::vector<std::string_view> names = {"eplb", "eplb_global", "lpt_swap", "none"};
    EXPECT_EQ(closest_name("eplb_globl", names), "eplb_global");
    EXPECT_EQ(closest_name("lpt-swap", names), "lpt_swap");
    EXPECT_EQ(unknown_name_message("placement policy", "lpt-swap", names),
              "\"lpt-swap\" is not a known placement policy (did you mean \"lpt_swap\"?); known: eplb, eplb_global, "
              "lpt_swap, none");
    // Nothing close: no suggestion, only the list.
    EXPECT_EQ(unknown_name_message("placement policy", "milp", names),
              "\"milp\" is not a known placement policy; known: eplb, eplb_global, lpt_swap, none");
    EXPECT_EQ(closest_name("x", {}), "");
}

} // namespace
} // namespace moetwin
