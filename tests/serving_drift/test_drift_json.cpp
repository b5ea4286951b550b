// SPDX-License-Identifier: Apache-2.0
// serving.expert_drift: parsed, written back (the scenario round trip), and refused with the JSON path and what was
// expected.
#include "common/errors.hpp"
#include "sim/scenario.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>

namespace moetwin::serving {
namespace {
using json = nlohmann::json;

json drift_scenario() {
    return json::parse(std::ifstream(std::string(MOETWIN_SOURCE_DIR) + "/tests/serving_drift/drift_serve_8gpu.json"));
}

std::string error_of(const json& j) {
    try {
        parse_scenario(j.dump(), "t.json");
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "(no error)";
}

TEST(DriftJson, ParsesAndRoundTrips) {
    const Scenario s = parse_scenario(drift_scenario().dump(), "t.json");
    ASSERT_TRUE(s.serving);
    const ExpertDriftConfig& c = s.serving->expert_drift;
    EXPECT_TRUE(c.enabled);
    EXPECT_TRUE(c.loads.empty());
    EXPECT_EQ(c.generated_runs, 3);
    EXPECT_DOUBLE_EQ(c.hours_per_run, 0.25);
    EXPECT_DOUBLE_EQ(c.rebalance_s, 300);
    EXPECT_DOUBLE_EQ(c.window_s, 300);
    const Scenario back = parse_scenario(scenario_to_json(s), "t.json");
    EXPECT_EQ(scenario_to_json(back), scenario_to_json(s));
    EXPECT_DOUBLE_EQ(back.serving->expert_drift.rebalance_s, 300);

    json j                       = drift_scenario();
    j["serving"]["expert_drift"] = {{"enabled", true}, {"loads", {"a.json", "/abs/b.json"}}, {"rebalance_min", 0}};
    const Scenario f             = parse_scenario(j.dump(), "/some/dir/t.json");
    const ExpertDriftConfig& d   = f.serving->expert_drift;
    ASSERT_EQ(d.loads.size(), 2u);
    EXPECT_EQ(d.loads[0], f.serving->base_dir / "a.json"); // relative to the scenario's folder
    EXPECT_EQ(d.loads[1], std::filesystem::path("/abs/b.json"));
    EXPECT_DOUBLE_EQ(d.rebalance_s, 0);   // never
    EXPECT_DOUBLE_EQ(d.window_s, 300);    // one series period
    EXPECT_DOUBLE_EQ(d.hours_per_run, 3); // default
    const Scenario fb = parse_scenario(scenario_to_json(f), "/elsewhere/t.json");
    EXPECT_EQ(fb.serving->expert_drift.loads, d.loads);             // written resolved
    EXPECT_EQ(d.replacement, ExpertDriftConfig::Replacement::Full); // default
    EXPECT_EQ(d.loads_of(true), d.loads);                           // both pools: `loads` by default
    EXPECT_EQ(d.loads_of(false), d.loads);

    // Per-pool runs: each pool its own; a pool without its own key takes `loads`, or generated runs without it.
    j["serving"]["expert_drift"] = {{"enabled", true},
                                    {"prefill_loads", {"p1.json", "p2.json"}},
                                    {"decode_loads", {"d1.json", "d2.json", "d3.json"}},
                                    {"replacement", "incremental"}};
    const Scenario g             = parse_scenario(j.dump(), "/some/dir/t.json");
    const ExpertDriftConfig& e   = g.serving->expert_drift;
    EXPECT_TRUE(e.loads.empty());
    ASSERT_EQ(e.loads_of(true).size(), 2u);
    EXPECT_EQ(e.loads_of(true)[1], g.serving->base_dir / "p2.json");
    ASSERT_EQ(e.loads_of(false).size(), 3u);
    EXPECT_EQ(e.loads_of(false)[0], g.serving->base_dir / "d1.json");
    EXPECT_EQ(e.replacement, ExpertDriftConfig::Replacement::Incremental);
    const Scenario gb = parse_scenario(scenario_to_json(g), "/elsewhere/t.json");
    EXPECT_EQ(scenario_to_json(gb), scenario_to_json(g));
    EXPECT_EQ(gb.serving->expert_drift.decode_loads, e.decode_loads);
    EXPECT_EQ(gb.serving->expert_drift.replacement, ExpertDriftConfig::Replacement::Incremental);
    j["serving"]["expert_drift"] = {{"enabled", true}, {"decode_loads", {"d1.json", "d2.json"}}, {"generated_runs", 5}};
    const ExpertDriftConfig h    = parse_scenario(j.dump(), "/some/dir/t.json").serving->expert_drift;
    EXPECT_TRUE(h.loads_of(true).empty()); // prefill: 5 generated runs
    EXPECT_EQ(h.generated_runs, 5);
    EXPECT_EQ(h.loads_of(false).size(), 2u);
    j["serving"]["expert_drift"] = {{"enabled", false}};
    EXPECT_FALSE(parse_scenario(j.dump(), "t.json").serving->expert_drift.enabled);
}

TEST(DriftJson, BadInputNamesThePathAndWhatWasExpected) {
    const auto with = [](json drift) {
        json j                       = drift_scenario();
        j["serving"]["expert_drift"] = std::move(drift);
        return error_of(j);
    };
    {
        const std::string e = with({{"enabled", true}, {"rebalance_every", 5}});
        EXPECT_NE(e.find("serving.expert_drift"), std::string::npos) << e;
        EXPECT_NE(e.find("rebalance_min"), std::string::npos) << e; // did you mean
    }
    EXPECT_NE(with({{"rebalance_min", 5}}).find("missing required key \"enabled\""), std::string::npos);
    EXPECT_NE(with({{"enabled", false}, {"rebalance_min", 5}}).find("takes no other key"), std::string::npos);
    const std::string e1 = with({{"enabled", true}, {"rebalance_min", 7}});
    EXPECT_NE(e1.find("serving.expert_drift.rebalance_min"), std::string::npos) << e1;
    EXPECT_NE(e1.find("whole number of series periods (5 min)"), std::string::npos) << e1;
    EXPECT_NE(with({{"enabled", true}, {"window_min", 12}}).find("serving.expert_drift.window_min"), std::string::npos);
    EXPECT_NE(with({{"enabled", true}, {"rebalance_min", -5}}).find("outside the plausible range"), std::string::npos);
    EXPECT_NE(with({{"enabled", true}, {"loads", {"one.json"}}}).find("at least 2 recorded runs"), std::string::npos);
    EXPECT_NE(with({{"enabled", true}, {"loads", {"a.json", "b.json"}}, {"generated_runs", 3}})
                  .find("serving.expert_drift.generated_runs"),
              std::string::npos);
    EXPECT_NE(with({{"enabled", true}, {"generated_runs", 1}}).find("out of range"), std::string::npos);
    EXPECT_NE(with({{"enabled", true}, {"prefill_loads", {"a.json"}}}).find("serving.expert_drift.prefill_loads"),
              std::string::npos);
    // Both pools have recorded runs: generated_runs would be unused.
    EXPECT_NE(with({{"enabled", true},
                    {"prefill_loads", {"a.json", "b.json"}},
                    {"decode_loads", {"a.json", "b.json"}},
                    {"generated_runs", 3}})
                  .find("only for a pool without recorded runs"),
              std::string::npos);
    {
        const std::string e = with({{"enabled", true}, {"replacement", "partial"}});
        EXPECT_NE(e.find("serving.expert_drift.replacement"), std::string::npos) << e;
        EXPECT_NE(e.find("incremental"), std::string::npos) << e; // the choices
    }
    EXPECT_NE(with({{"enabled", true}, {"hours_per_run", 0.045}}).find("whole number of minutes"), std::string::npos);
    EXPECT_NE(with({{"enabled", true}, {"hours_per_run", 25}}).find("outside the plausible range"), std::string::npos);
    json j                            = drift_scenario();
    j["serving"]["series_period_min"] = 0.5;
    EXPECT_NE(error_of(j).find("series_period_min to be a whole number of minutes"), std::string::npos) << error_of(j);
}

} // namespace
} // namespace moetwin::serving
