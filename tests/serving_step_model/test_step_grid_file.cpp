// SPDX-License-Identifier: Apache-2.0
// The step-time model file (sim/serving/step_model/step_grid_file.hpp): round trip, byte-identical
// rewrite, and every bad file a ConfigError naming the file and what is wrong.
#include "common/atomic_file.hpp"
#include "common/errors.hpp"
#include "sim/serving/step_model/step_grid_file.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>

namespace moetwin::serving {
namespace {

using ::testing::HasSubstr;

StepModelFile sample() {
    StepModelFile m;
    m.grid.phase         = Phase::Prefill;
    m.grid.interpolation = GridInterpolation::LogBilinear;
    m.grid.batch         = {512, 2048, 16384};
    m.grid.context       = {128, 1024.5};
    m.grid.cached        = {0, 32};
    m.grid.step_s        = {0.0771653, 0.08, 0.2, 0.31, 1.757262, 2.1873110000000001,
                            0.0971653, 0.18, 0.4, 0.71, 3.757262, 5.1873110000000001};
    m.moetwin_version    = "9.9.9";
    m.key                = "0123456789abcdef";
    m.scenario_json      = R"({"seed":1,"model":{"name":"deepseek_v3"}})";
    return m;
}

std::string message_of(const std::string& text, const std::string& file = "m.json") {
    try {
        parse_step_model(text, file);
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "(no error)";
}

std::string replaced(std::string text, const std::string& from, const std::string& to) {
    const auto at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return text.replace(at, from.size(), to);
}

TEST(StepGridFile, RoundTripsExactlyAndRewritesTheSameBytes) {
    const std::string text = step_model_text(sample());
    const StepModelFile m  = parse_step_model(text, "m.json");
    EXPECT_EQ(m.grid.phase, Phase::Prefill);
    EXPECT_EQ(m.grid.interpolation, GridInterpolation::LogBilinear);
    EXPECT_EQ(m.grid.batch, sample().grid.batch);
    EXPECT_EQ(m.grid.context, sample().grid.context);
    EXPECT_EQ(m.grid.cached, sample().grid.cached);
    EXPECT_EQ(m.grid.step_s, sample().grid.step_s); // doubles round-trip bit for bit
    EXPECT_EQ(m.key, "0123456789abcdef");
    EXPECT_EQ(m.moetwin_version, "9.9.9");
    EXPECT_EQ(step_model_text(m), text);
}

TEST(StepGridFile, BadFilesNameTheFileAndThePath) {
    const std::string good = step_model_text(sample());
    EXPECT_THAT(message_of(good.substr(0, good.size() / 2)), HasSubstr("m.json"));
    EXPECT_THAT(message_of(replaced(good, "\"key\"", "\"kee\"")), HasSubstr("unknown key"));
    EXPECT_THAT(message_of(replaced(good, "\"moetwin_step_model\"", "\"other\"")), HasSubstr("m.json: format"));
    EXPECT_THAT(message_of(replaced(good, "\"format_version\": 3", "\"format_version\": 2")),
                HasSubstr("format_version"));
    EXPECT_THAT(message_of(replaced(good, "\"prefill\"", "\"prefil\"")), HasSubstr("m.json: phase"));
    EXPECT_THAT(message_of(replaced(good, "2048", "100")), HasSubstr("m.json: batch[1]"));          // not increasing
    EXPECT_THAT(message_of(replaced(good, "0.08", "-0.08")), HasSubstr("m.json: step_s[0][0][1]")); // not > 0
    EXPECT_THAT(message_of(replaced(good, "0.71", "0")), HasSubstr("m.json: step_s[1][1][1]"));
    EXPECT_THAT(message_of(replaced(good, "0.08", "\"x\"")), HasSubstr("step_s[0][0][1]"));
    EXPECT_THAT(message_of(replaced(good, "0.2,", "")), HasSubstr("step_s[0][1]")); // short row
    // The cached axis: starts at 0, increases, one plane per value; a decode grid has the one plane 0.
    EXPECT_THAT(message_of(replaced(good, "\"cached\": [\n  0.0,", "\"cached\": [\n  1.0,")),
                HasSubstr("m.json: cached: must start with 0"));
    EXPECT_THAT(message_of(replaced(good, "32.0", "0.0")), HasSubstr("m.json: cached[1]"));
    EXPECT_THAT(message_of(replaced(good, "32.0", "32.0, 64.0")), HasSubstr("m.json: step_s: expected 3 planes"));
    EXPECT_THAT(message_of(replaced(good, "\"prefill\"", "\"decode\"")), HasSubstr("a decode grid has the one"));
    EXPECT_THAT(message_of(replaced(good, "\"cached\"", "\"cache\"")), HasSubstr("m.json"));
    EXPECT_THAT(message_of("[1, 2]"), HasSubstr("m.json"));
    EXPECT_THAT(message_of(R"({"format": "moetwin_step_model"})"), HasSubstr("missing required key"));
}

TEST(StepGridFile, LoadNamesAMissingOrCorruptFile) {
    const auto dir = std::filesystem::temp_directory_path() / ("moetwin_stepfile_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const auto file = dir / "model.json";
    try {
        load_step_model(file);
        FAIL() << "no error for a missing file";
    } catch (const ConfigError& e) {
        EXPECT_THAT(e.what(), HasSubstr(file.string()));
    }
    write_file_atomic(file, "{\"format\": ");
    try {
        load_step_model(file);
        FAIL() << "no error for a truncated file";
    } catch (const ConfigError& e) {
        EXPECT_THAT(e.what(), HasSubstr(file.string()));
    }
    write_file_atomic(file, step_model_text(sample()));
    EXPECT_EQ(load_step_model(file).grid.step_s, sample().grid.step_s);
    std::filesystem::remove_all(dir);
}

} // namespace
} // namespace moetwin::serving
