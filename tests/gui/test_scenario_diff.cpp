// SPDX-License-Identifier: Apache-2.0
// The compare panel's scenario differences: JSON paths whose values differ between A's and B's scenarios.
#include "gui/result_diff.hpp"
#include "gui/scenario_diff.hpp"
#include "sim/result/result_json.hpp"

#include <gtest/gtest.h>
#ifndef JSON_USE_IMPLICIT_CONVERSIONS
#define JSON_USE_IMPLICIT_CONVERSIONS 0
#endif
#include <nlohmann/json.hpp>

namespace moetwin::gui {
namespace {

std::vector<std::string> paths(const std::vector<JsonDifference>& diffs) {
    std::vector<std::string> out;
    for (const JsonDifference& d : diffs)
        out.push_back(d.path);
    return out;
}

// A scenario-like result's copy with one key of its recorded scenario changed.
RunResult with_scenario_value(RunResult r, const nlohmann::json::json_pointer& at, const nlohmann::json& value) {
    nlohmann::json s = nlohmann::json::parse(r.scenario_json);
    s[at]            = value;
    r.scenario_json  = canonical_json_object(s.dump());
    return r;
}

} // namespace

TEST(ScenarioDiff, JsonPathsOfLeavesThatDiffer) {
    const auto d = json_differences(R"({"a": {"x": 1, "y": [1, 2, 3], "z": "s"}, "b": 2, "c": [1], "k": 1})",
                                    R"({"a": {"x": 1.0, "y": [1, 5, 3], "w": true}, "b": "2", "c": [1, 2], "k": 1})");
    EXPECT_EQ(d, (std::vector<JsonDifference>{{"a.w", "(absent)", "true"},
                                              {"a.y[1]", "2", "5"},
                                              {"a.z", "\"s\"", "(absent)"},
                                              {"b", "2", "\"2\""},
                                              {"c", "[1]", "[1,2]"}}));
    EXPECT_TRUE(json_differences(R"({"a": [1, {"b": 2}]})", R"({"a": [1.0, {"b": 2}]})").empty());
    EXPECT_EQ(paths(json_differences("1", "2")), std::vector<std::string>{""}); // the root itself
}

// Issue 13 item 2: two runs of the shipped tiny decode scenario that differ only in the balancer policy. The
// setup (meta) differences say nothing; the scenario differences name the policy, and only it.
TEST(ScenarioDiff, BalancerPolicyChangeIsTheOnlyScenarioDifference) {
    const RunResult a = read_result_json("tests/golden/tiny_1node_ep8_decode.result.json");
    ASSERT_TRUE(records_scenario(a));
    const nlohmann::json sa = nlohmann::json::parse(a.scenario_json);
    ASSERT_EQ(sa.at("balancer").at("policy"), "eplb") << a.scenario_json;
    const RunResult b = with_scenario_value(a, nlohmann::json::json_pointer("/balancer/policy"), "lpt_swap");
    EXPECT_TRUE(setup_differences(a, b).empty());
    EXPECT_EQ(scenario_differences(a, b),
              (std::vector<JsonDifference>{{"balancer.policy", "\"eplb\"", "\"lpt_swap\""}}));

    // The name (already in the setup list) and the description are left out; a default filled in is not.
    RunResult c = with_scenario_value(b, nlohmann::json::json_pointer("/name"), "renamed");
    c           = with_scenario_value(c, nlohmann::json::json_pointer("/description"), "other words");
    c           = with_scenario_value(c, nlohmann::json::json_pointer("/seed"), sa.at("seed").get<uint64_t>() + 1);
    EXPECT_EQ(paths(scenario_differences(a, c)), (std::vector<std::string>{"balancer.policy", "seed"}));

    RunResult unknown     = a;
    unknown.scenario_json = "{}"; // a hand-built result that records no scenario: nothing to compare
    EXPECT_FALSE(records_scenario(unknown));
    EXPECT_TRUE(scenario_differences(a, unknown).empty());
}

} // namespace moetwin::gui
