// SPDX-License-Identifier: Apache-2.0
// What-if knobs read from and written into scenario JSON text.
#include "gui/scenario_knobs.hpp"

#include "common/errors.hpp"
#include "sim/scenario.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

namespace moetwin::gui {
namespace {

const char* kTiny = R"({
  "name": "tiny_1node_ep8_decode",
  "model": { "name": "deepseek_v3", "num_dense_layers": 0, "num_moe_layers": 2 },
  "hardware": { "gpu": "h800" },
  "cluster": { "fabric": "single_node", "num_nodes": 1, "gpus_per_node": 8 },
  "deployment": {
    "decode": { "num_nodes": 1, "ep_size": 8, "dp_size": 8, "redundant_experts": 8,
                "routed_experts_per_gpu": 33, "shared_experts_per_gpu": 1 }
  },
  "routing": { "node_limit": 1 },
  "balancer": { "policy": "eplb" },
  "workload": { "phase": "decode", "requests_per_gpu": 64, "micro_batches": 2 },
  "schedule": { "overlap": "two_micro_batch" }
})";

nlohmann::json parse(const std::string& s) {
    return nlohmann::json::parse(s);
}

TEST(ScenarioKnobs, ReadsTheKnobs) {
    const ScenarioKnobs k = read_knobs(kTiny, "tiny.json");
    EXPECT_EQ(k.phase, "decode");
    EXPECT_EQ(k.ep_size, 8);
    EXPECT_EQ(k.redundant_experts, 8);
    EXPECT_EQ(k.balancer_policy, "eplb");
    EXPECT_EQ(k.node_limit, 1);
    EXPECT_EQ(k.batch_per_gpu, 64);
    EXPECT_EQ(k.overlap, "two_micro_batch");
    EXPECT_EQ(k.gpu, "h800");
    EXPECT_EQ(k.nvlink_GBps, 0.0); // not set: the GPU table's default
}

TEST(ScenarioKnobs, UnchangedKnobsLeaveTheTextEquivalent) {
    const ScenarioKnobs k = read_knobs(kTiny, "tiny.json");
    EXPECT_EQ(parse(apply_knobs(kTiny, k, "tiny.json")), parse(kTiny));
}

TEST(ScenarioKnobs, EpSizeMovesNodesDpAndFabric) {
    ScenarioKnobs k = read_knobs(kTiny, "tiny.json");
    k.ep_size       = 32;
    k.node_limit    = 8; // more than the 4 nodes: capped
    const auto j    = parse(apply_knobs(kTiny, k, "tiny.json"));
    const auto& d   = j["deployment"]["decode"];
    EXPECT_EQ(d["ep_size"], 32);
    EXPECT_EQ(d["num_nodes"], 4);
    EXPECT_EQ(d["dp_size"], 32);
    EXPECT_FALSE(d.contains("routed_experts_per_gpu")); // derived again by the CLI
    EXPECT_EQ(j["cluster"]["num_nodes"], 4);
    EXPECT_FALSE(j["cluster"].contains("fabric")); // single_node cannot hold 4 nodes
    EXPECT_EQ(j["routing"]["node_limit"], 4);
    k.ep_size = 12;
    EXPECT_THROW(apply_knobs(kTiny, k, "tiny.json"), ConfigError);
}

// Every knob edit goes through the real scenario parser (moetwin_scenario): what apply_knobs returns is a
// scenario parse_scenario accepts, with the edited values; an edit it refuses is the parser's ConfigError.
TEST(ScenarioKnobs, EditsAreScenariosTheParserAccepts) {
    ScenarioKnobs k         = read_knobs(kTiny, "tiny.json");
    k.ep_size               = 16;
    k.batch_per_gpu         = 32;
    k.overlap               = "sequential";
    k.replica_policy        = knob_options().replica_policies.back();
    const Scenario s        = parse_scenario(apply_knobs(kTiny, k, "tiny.json"), "edit.json");
    const DeploymentUnit& u = s.active_unit();
    EXPECT_EQ(u.ep_size, 16);
    EXPECT_EQ(u.num_nodes, 2);
    EXPECT_EQ(u.dp_size, 16);
    EXPECT_EQ(u.redundant_experts, 8);
    EXPECT_EQ(u.routed_experts_per_gpu, (256 + 8) / 16 + ((256 + 8) % 16 != 0)); // derived again by the parser
    EXPECT_EQ(s.cluster.num_nodes, 2);
    EXPECT_EQ(s.workload.requests_per_gpu, 32);
    EXPECT_EQ(s.schedule.overlap, OverlapSchedule::Sequential);
    EXPECT_EQ(s.routing.replica_policy, k.replica_policy);
    EXPECT_EQ(s.routing.node_limit, 1);
    // A knob value the schema refuses: the parser's message names the file and the JSON path.
    k.gpu = "no_such_gpu";
    try {
        apply_knobs(kTiny, k, "tiny.json");
        FAIL();
    } catch (const ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find("tiny.json"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("hardware.gpu"), std::string::npos) << e.what();
    }
}

// ep_size left out is the parser's to derive (from the unit's nodes), not the GUI's.
TEST(ScenarioKnobs, DerivedEpSizeComesFromTheParser) {
    const std::string text =
        R"({"name": "x", "model": {"name": "deepseek_v3", "num_dense_layers": 0, "num_moe_layers": 1},
        "hardware": {"gpu": "h800"}, "cluster": {"fabric": "fat_tree", "num_nodes": 2}, "workload": {"phase": "decode"},
        "deployment": {"decode": {"num_nodes": 2}}})";
    EXPECT_EQ(read_knobs(text, "x.json").ep_size, 16);
}

TEST(ScenarioKnobs, SetsAndErasesKeys) {
    ScenarioKnobs k     = read_knobs(kTiny, "tiny.json");
    k.nvlink_GBps       = 200;
    k.ib_GBps           = 25;
    k.balancer_policy   = ""; // back to the default: the key goes
    k.overlap           = "sequential";
    k.batch_per_gpu     = 128;
    k.gpu               = "h200";
    k.redundant_experts = 16;
    const auto j        = parse(apply_knobs(kTiny, k, "tiny.json"));
    EXPECT_EQ(j["cluster"]["nvlink"]["bandwidth_GBps"], 200.0);
    EXPECT_EQ(j["cluster"]["ib"]["bandwidth_GBps"], 25.0);
    EXPECT_FALSE(j["balancer"].contains("policy"));
    EXPECT_EQ(j["schedule"]["overlap"], "sequential");
    EXPECT_EQ(j["workload"]["requests_per_gpu"], 128);
    EXPECT_EQ(j["hardware"]["gpu"], "h200");
    EXPECT_EQ(j["deployment"]["decode"]["redundant_experts"], 16);
    const auto changes = knob_changes(read_knobs(kTiny, "t"), k);
    EXPECT_EQ(changes.size(), 7u);
    EXPECT_EQ(changes.front(), "deployment.decode.redundant_experts: 8 -> 16");
}

TEST(ScenarioKnobs, KeepsKeyOrder) {
    ScenarioKnobs k       = read_knobs(kTiny, "tiny.json");
    k.gpu                 = "h100";
    const std::string out = apply_knobs(kTiny, k, "tiny.json");
    EXPECT_LT(out.find("\"name\""), out.find("\"model\""));
    EXPECT_LT(out.find("\"model\""), out.find("\"hardware\""));
    EXPECT_LT(out.find("\"workload\""), out.find("\"schedule\""));
}

TEST(ScenarioKnobs, RelativeInputPathsBecomeAbsolute) {
    // A scenario in scenarios/ naming its recorded loads relative to its own folder, and a profile by an absolute
    // path: the edited text (run from elsewhere) names both absolutely, and the real parser finds the files.
    const std::string dir     = std::string(MOETWIN_SOURCE_DIR) + "/scenarios";
    const std::string file    = dir + "/a.json";
    const std::string profile = std::string(MOETWIN_SOURCE_DIR) + "/tests/engine/data/profile_small.json";
    const std::string text =
        R"({"name": "x", "model": {"name": "deepseek_v3", "num_dense_layers": 0, "num_moe_layers": 1},
        "hardware": {"gpu": "h800"}, "cluster": {"fabric": "single_node"}, "workload": {"phase": "decode"}, "deployment": {"decode": {"num_nodes": 1, "ep_size": 8}},
        "routing": {"popularity": {"distribution": "file", "path": "data/expert_load/decode_in1000out1000.json"}},
        "compute": {"source": "profile", "profile_path": ")" +
        profile + R"("}})";
    const auto j = parse(apply_knobs(text, read_knobs(text, file), file));
    EXPECT_EQ(j["routing"]["popularity"]["path"], dir + "/data/expert_load/decode_in1000out1000.json");
    EXPECT_EQ(j["compute"]["profile_path"], profile);
}

TEST(ScenarioKnobs, ErrorsNameTheFileAndPath) {
    try {
        read_knobs(R"({"workload": {"phase": "decode"}})", "x.json");
        FAIL();
    } catch (const ConfigError& e) {
        EXPECT_STREQ(e.what(), "x.json: deployment.decode: missing (workload.phase names it)");
    }
    EXPECT_THROW(read_knobs("{ not json", "x.json"), ConfigError);
    EXPECT_THROW(read_knobs(R"({"workload": {"phase": 3}})", "x.json"), ConfigError);
    // The common strict reader: integers are range-checked before narrowing (4294967304 is not EP8), duplicates fail.
    try {
        read_knobs(R"({"workload": {"phase": "decode"}, "deployment": {"decode": {"ep_size": 4294967304}}})", "x.json");
        FAIL();
    } catch (const ConfigError& e) {
        EXPECT_STREQ(e.what(),
                     "x.json: deployment.decode.ep_size: 4294967304 is out of range [-2147483648, 2147483647]");
    }
    try {
        read_knobs(R"({"workload": {"phase": "decode"}, "workload": {}})", "x.json");
        FAIL();
    } catch (const ConfigError& e) {
        EXPECT_STREQ(e.what(), "x.json: (top level): duplicate key \"workload\"");
    }
}

TEST(ScenarioKnobs, ShippedScenariosRead) {
    for (const char* f : {"scenarios/tiny_1node_ep8_decode.json", "scenarios/deepseek_v3_decode_ep144.json",
                          "scenarios/deepseek_v3_prefill_ep32.json", "scenarios/deepseek_v3_decode_ep320_report.json",
                          "scenarios/deepseek_v3_decode_ep144_recorded_loads.json"}) {
        std::ifstream in(std::string(MOETWIN_SOURCE_DIR) + "/" + f);
        if (!in) GTEST_SKIP() << f << " not present";
        std::stringstream ss;
        ss << in.rdbuf();
        const ScenarioKnobs k = read_knobs(ss.str(), f);
        EXPECT_GT(k.ep_size, 0) << f;
        if (ss.str().find("\"path\"") == std::string::npos) { // input paths become absolute, nothing else changes
            EXPECT_EQ(parse(apply_knobs(ss.str(), k, f)), parse(ss.str())) << f;
        }
    }
}

} // namespace
} // namespace moetwin::gui
