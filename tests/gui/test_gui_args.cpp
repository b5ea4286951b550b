// SPDX-License-Identifier: Apache-2.0
// moetwin-gui command line.
#include "gui/gui_args.hpp"

#include "common/errors.hpp"

#include <gtest/gtest.h>

namespace moetwin::gui {
namespace {

TEST(GuiArgs, Defaults) {
    const GuiArgs a = parse_gui_args({});
    EXPECT_TRUE(a.result.empty());
    EXPECT_EQ(a.view, "overview");
    EXPECT_EQ(a.width, 1600);
    EXPECT_EQ(a.height, 1000);
}

TEST(GuiArgs, ScreenshotCommand) {
    const GuiArgs a = parse_gui_args(
        {"r.json", "--screenshot", "o.png", "--view", "timeline", "--size", "800x600", "--compare", "b.json"});
    EXPECT_EQ(a.result, "r.json");
    EXPECT_EQ(a.screenshot, "o.png");
    EXPECT_EQ(a.view, "timeline");
    EXPECT_EQ(a.width, 800);
    EXPECT_EQ(a.height, 600);
    EXPECT_EQ(a.compare, "b.json");
    EXPECT_EQ(view_index("timeline"), 5);
}

TEST(GuiArgs, Errors) {
    EXPECT_THROW(parse_gui_args({"--view", "nope"}), ConfigError);
    EXPECT_THROW(parse_gui_args({"--size", "800"}), ConfigError);
    EXPECT_THROW(parse_gui_args({"--size", "10x10"}), ConfigError);
    EXPECT_THROW(parse_gui_args({"--screenshot"}), ConfigError);
    EXPECT_THROW(parse_gui_args({"--frobnicate"}), ConfigError);
    EXPECT_THROW(parse_gui_args({"a.json", "b.json"}), ConfigError);
}

} // namespace
} // namespace moetwin::gui
