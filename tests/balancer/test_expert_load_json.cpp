// SPDX-License-Identifier: Apache-2.0
// The expert-load reader: the shipped sample parses; bad inputs name the file, the JSON path (or
// line and column) and what was expected.
#include "moe/expert_load_json.hpp"
#include "test_helpers.hpp"

#include "common/errors.hpp"

#include <gtest/gtest.h>

#include <string>

namespace moetwin::balancer {
namespace {

std::string error_of(const std::string& text) {
    try {
        parse_expert_load(text, "loads.json");
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "no error";
}

TEST(ExpertLoadJson, ParsesSampleFile) {
    const ExpertLoad l = load_expert_load(test::sample_loads_path());
    EXPECT_EQ(l.num_layers, 7);
    EXPECT_EQ(l.num_experts, 256);
    double layer1 = 0;
    for (double v : l.layer(1))
        layer1 += v;
    EXPECT_DOUBLE_EQ(layer1, 67108864.0); // 8 × 8,388,608 tokens
    std::vector<int> kept;
    const ExpertLoad moe = drop_empty_layers(l, &kept);
    EXPECT_EQ(moe.num_layers, 6);
    EXPECT_EQ(kept.front(), 1);
}

TEST(ExpertLoadJson, AcceptsIntegersAndFloats) {
    const ExpertLoad l = parse_expert_load(R"({"logical_count": [[1, 2.5, 0], [0.0, 3, 4]]})", "x");
    EXPECT_EQ(l.num_layers, 2);
    EXPECT_EQ(l.num_experts, 3);
    EXPECT_DOUBLE_EQ(l.at(0, 1), 2.5);
}

TEST(ExpertLoadJson, SyntaxErrorGivesLineAndColumn) {
    const std::string e = error_of("{\"logical_count\": [[1, 2],\n  [3, 4,]]}");
    EXPECT_NE(e.find("loads.json:2:"), std::string::npos) << e;
    EXPECT_NE(e.find("invalid JSON: syntax error"), std::string::npos) << e;
}

TEST(ExpertLoadJson, WrongShapesNameThePath) {
    EXPECT_NE(error_of(R"({"logical_count": [[1, 2, 3], [4, 5]]})")
                  .find("loads.json: logical_count[1]: expected 3 experts (as in logical_count[0]), got 2"),
              std::string::npos);
    EXPECT_NE(error_of(R"({"logical_count": [1, 2]})").find("logical_count[0]: expected an array, got the number 1"),
              std::string::npos);
    EXPECT_NE(error_of(R"({"logical_count": []})").find("logical_count: expected a non-empty array"),
              std::string::npos);
    EXPECT_NE(error_of(R"([1, 2])").find("loads.json: (top level): expected an object"), std::string::npos);
}

TEST(ExpertLoadJson, NegativeAndNonNumericLoadsAreRejected) {
    EXPECT_NE(error_of(R"({"logical_count": [[1, -3, 2]]})")
                  .find("logical_count[0][1]: expected a number >= 0, got the number -3"),
              std::string::npos);
    EXPECT_NE(error_of(R"({"logical_count": [[1, "7", 2]]})")
                  .find("logical_count[0][1]: expected a number, got the string \"7\""),
              std::string::npos);
    EXPECT_NE(error_of(R"({"logical_count": [[1, null]]})").find("logical_count[0][1]"), std::string::npos);
}

TEST(ExpertLoadJson, UnknownAndMissingKeys) {
    EXPECT_NE(error_of(R"({"logical_count": [[1]], "logical_cont": 1})").find("logical_cont: unknown key"),
              std::string::npos);
    EXPECT_NE(error_of(R"({})").find("loads.json: (top level): missing required key \"logical_count\""),
              std::string::npos);
}

TEST(ExpertLoadJson, MissingFileNamesIt) {
    try {
        load_expert_load("/nonexistent/loads.json");
        FAIL();
    } catch (const ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find("/nonexistent/loads.json"), std::string::npos);
    }
}

TEST(ExpertLoad, ValidateRejectsBadShapesAndValues) {
    EXPECT_THROW((ExpertLoad{2, 3, {1, 2, 3}}.validate()), ConfigError);
    EXPECT_THROW((ExpertLoad{1, 2, {1, -1}}.validate()), ConfigError);
    EXPECT_THROW((ExpertLoad{0, 2, {}}.validate()), ConfigError);
    EXPECT_NO_THROW((ExpertLoad{1, 2, {0, 1}}.validate()));
}

TEST(ExpertLoad, MovingAverageAndSelect) {
    const ExpertLoad a{1, 2, {0, 10}}, b{1, 2, {10, 0}};
    EXPECT_EQ(exponential_moving_average(a, b, 0.25).tokens, (std::vector<double>{2.5, 7.5}));
    EXPECT_THROW(exponential_moving_average(a, ExpertLoad{1, 3, {1, 2, 3}}, 0.5), ConfigError);
    const ExpertLoad two{2, 2, {1, 2, 3, 4}};
    EXPECT_EQ(select_layers(two, std::vector<int>{1}).tokens, (std::vector<double>{3, 4}));
    EXPECT_THROW(select_layers(two, std::vector<int>{2}), ConfigError);
}

} // namespace
} // namespace moetwin::balancer
