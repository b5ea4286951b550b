// SPDX-License-Identifier: Apache-2.0
// `moetwin stepmodel` through the binary: build, cache hit, check report, and bad input (exit 1, the file named).
#include "../support/run_moetwin.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>

namespace {

using moetwin_test::run_moetwin;
using ::testing::HasSubstr;

const std::string kTiny = std::string(MOETWIN_SOURCE_DIR) + "/scenarios/tiny_2gpu_1layer.json";

std::filesystem::path cache_dir() {
    const auto dir = std::filesystem::temp_directory_path() / ("moetwin_stepmodel_cli_" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    return dir;
}

TEST(StepModelCli, BuildsThenLoadsAndChecks) {
    const auto dir   = cache_dir();
    const auto first = run_moetwin("stepmodel " + kTiny + " --points 9 -j 2 --cache " + dir.string());
    ASSERT_EQ(first.exit_code, 0) << first.output;
    EXPECT_THAT(first.output, HasSubstr("3 × 3 × 1 grid, bilinear interpolation"));
    EXPECT_THAT(first.output, HasSubstr("built in"));
    EXPECT_THAT(first.output, HasSubstr("9 simulations"));
    const auto second = run_moetwin("stepmodel " + kTiny + " --points 9 --check 3 --cache " + dir.string());
    ASSERT_EQ(second.exit_code, 0) << second.output;
    EXPECT_THAT(second.output, HasSubstr("loaded from the cache"));
    EXPECT_THAT(second.output, HasSubstr("check: 3 random off-grid shapes (seed 1)"));
    EXPECT_THAT(second.output, HasSubstr("error: bilinear max"));
    std::filesystem::remove_all(dir);
}

TEST(StepModelCli, BadInputExitsOneNamingIt) {
    const auto dir     = cache_dir();
    const auto missing = run_moetwin("stepmodel /nonexistent/s.json --cache " + dir.string());
    EXPECT_EQ(missing.exit_code, 1);
    EXPECT_THAT(missing.output, HasSubstr("/nonexistent/s.json"));
    const auto interp = run_moetwin("stepmodel " + kTiny + " --interpolation cubic --cache " + dir.string());
    EXPECT_EQ(interp.exit_code, 1);
    EXPECT_THAT(interp.output, HasSubstr("bilinear"));
    EXPECT_FALSE(std::filesystem::exists(dir)); // nothing written
}

} // namespace
