// SPDX-License-Identifier: Apache-2.0
// balancer.policy "file" and "command" (issue 16 item 5) through the scenario parser and writer and
// into the step's placement; balancer.fit_loads_path fitting the placement on other loads.
#include "common/atomic_file.hpp"
#include "common/errors.hpp"
#include "engine/model_spec.hpp"
#include "sim/balancer/external/placement_json.hpp"
#include "sim/scenario.hpp"
#include "sim/step/expert_popularity.hpp"
#include "sim/step/step_placement.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>

using namespace moetwin;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const fs::path kTiny = fs::path(MOETWIN_SOURCE_DIR) / "scenarios" / "tiny_1node_ep8_decode.json";

json tiny() {
    return json::parse(read_file(kTiny));
}

fs::path temp_file(const std::string& name, const std::string& text) {
    const fs::path p = fs::temp_directory_path() / ("moetwin_ext_" + std::to_string(::getpid()) + "_" + name);
    write_file_atomic(p, text);
    return p;
}

std::string error_of(const json& j) {
    try {
        (void)parse_scenario(j.dump(), "t.json", MOETWIN_SOURCE_DIR);
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "(no error)";
}

step::StepPlacement placed(const Scenario& s) {
    const ModelSpec& full = find_model(s.model.name);
    const ModelSpec model = with_layers(full, s.model.num_dense_layers, s.model.num_moe_layers);
    return step::place_step_experts(s, step::expert_popularity(s, full, model));
}

} // namespace

TEST(ScenarioExternalPlacement, FileAndCommandKeysRoundTrip) {
    const step::StepPlacement eplb = placed(load_scenario(kTiny));
    const fs::path file            = temp_file("p.json", balancer::placement_json(eplb.placement));
    json j                         = tiny();
    j["balancer"]                  = {{"policy", "file"}, {"placement_path", file.string()}};
    const Scenario f               = parse_scenario(j.dump(), "t.json", MOETWIN_SOURCE_DIR);
    EXPECT_EQ(f.balancer.placement_path, file);
    EXPECT_EQ(scenario_to_json(parse_scenario(scenario_to_json(f), "again.json")), scenario_to_json(f));
    EXPECT_EQ(placed(f).placement.phy2log, eplb.placement.phy2log);

    j["balancer"]    = {{"policy", "command"},
                        {"command", {"sh", "-c", "cat >/dev/null; cat " + file.string()}},
                        {"command_timeout_s", 5},
                        {"command_dir", "scenarios"}};
    const Scenario c = parse_scenario(j.dump(), "t.json", MOETWIN_SOURCE_DIR);
    EXPECT_EQ(c.balancer.command.size(), 3u);
    EXPECT_EQ(c.balancer.command_timeout_s, 5);
    EXPECT_EQ(c.balancer.command_dir, fs::path(MOETWIN_SOURCE_DIR) / "scenarios");
    const Scenario again = parse_scenario(scenario_to_json(c), "again.json");
    EXPECT_EQ(scenario_to_json(again), scenario_to_json(c));
    EXPECT_EQ(again.balancer.command, c.balancer.command);
    EXPECT_EQ(placed(c).placement.phy2log, eplb.placement.phy2log);
    // The command's working directory defaults to the scenario's.
    j["balancer"].erase("command_dir");
    EXPECT_EQ(parse_scenario(j.dump(), "t.json", MOETWIN_SOURCE_DIR).balancer.command_dir,
              fs::path(MOETWIN_SOURCE_DIR));
    fs::remove(file);
}

TEST(ScenarioExternalPlacement, KeysAreStrict) {
    json j        = tiny();
    j["balancer"] = {{"policy", "file"}};
    EXPECT_EQ(error_of(j), "t.json: balancer: policy \"file\" needs \"placement_path\" (a placement JSON: "
                           "{\"phy2log\": [[…] × layers]})");
    j["balancer"]["placement_path"] = "no/such.json";
    EXPECT_NE(error_of(j).find("t.json: balancer.placement_path: file \""), std::string::npos);
    j["balancer"] = {{"policy", "eplb"}, {"placement_path", kTiny.string()}};
    EXPECT_EQ(error_of(j), "t.json: balancer.placement_path: is read only with policy \"file\", not \"eplb\"");
    j["balancer"] = {{"policy", "eplb"}, {"command_timeout_s", 3}};
    EXPECT_EQ(error_of(j), "t.json: balancer.command_timeout_s: is read only with policy \"command\", not \"eplb\"");
    j["balancer"] = {{"policy", "command"}};
    EXPECT_EQ(error_of(j), "t.json: balancer: policy \"command\" needs \"command\" (an argv array: [\"python3\", "
                           "\"x.py\"])");
    j["balancer"]["command"] = json::array();
    EXPECT_EQ(error_of(j), "t.json: balancer.command: expected a non-empty argv array, got an empty array");
    j["balancer"]["command"] = {"python3", 3};
    EXPECT_NE(error_of(j).find("t.json: balancer.command[1]: expected a string"), std::string::npos);
    j["balancer"]["command"]           = {"true"};
    j["balancer"]["command_timeout_s"] = 0;
    EXPECT_NE(
        error_of(j).find("t.json: balancer.command_timeout_s: 0 s is outside the plausible range [0.001, 86400 s]"),
        std::string::npos);
    j["balancer"].erase("command_timeout_s");
    j["balancer"]["command_dir"] = "no_such_dir";
    EXPECT_NE(error_of(j).find("t.json: balancer.command_dir: directory \""), std::string::npos);
}

TEST(ScenarioExternalPlacement, BadPlacementsFailTheStepNamingTheSource) {
    Scenario s                = load_scenario(kTiny);
    s.balancer.policy         = "file";
    s.balancer.placement_path = temp_file("bad.json", R"({"phy2log": [[0]]})");
    try {
        (void)placed(s);
        ADD_FAILURE() << "no error";
    } catch (const ConfigError& e) {
        EXPECT_EQ(std::string(e.what()),
                  s.balancer.placement_path.string() + ": phy2log: expected 2 layers (one row per MoE layer), got 1");
    }
    fs::remove(s.balancer.placement_path);
    s.balancer.policy  = "command";
    s.balancer.command = {"sh", "-c", "cat >/dev/null; echo '{\"phy2log\": [[0], [0]]}'"};
    try {
        (void)placed(s);
        ADD_FAILURE() << "no error";
    } catch (const ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find("command output (balancer.command [sh -c"), std::string::npos);
        EXPECT_NE(std::string(e.what()).find("phy2log[0]: layer 0: expected 264 slots"), std::string::npos);
    }
}

TEST(ScenarioExternalPlacement, FitLoadsPathChangesWhatThePlacementIsFittedOn) {
    Scenario s                  = load_scenario(kTiny);
    const step::StepPlacement a = placed(s);
    s.balancer.fit_loads_path   = fs::path(MOETWIN_SOURCE_DIR) / "scenarios/data/expert_load/prefill_in2048.json";
    const step::StepPlacement b = placed(s);
    EXPECT_NE(a.placement.phy2log, b.placement.phy2log);
    // It is the placement the policy makes on those loads (read as routing's file popularity would be).
    Scenario f           = load_scenario(kTiny);
    f.routing.popularity = ExpertPopularity::File;
    f.routing.loads_path = s.balancer.fit_loads_path;
    EXPECT_EQ(placed(f).placement.phy2log, b.placement.phy2log);
}

// The shipped examples (examples/balancer/): the file holds eplb_global's placement of the scenario's own loads,
// so the step places exactly what eplb_global does; the command example runs where python3 exists.
TEST(ScenarioExternalPlacement, ShippedExamples) {
    const fs::path dir = fs::path(MOETWIN_SOURCE_DIR) / "examples" / "balancer";
    const Scenario f   = load_scenario(dir / "prefill_ep32_placement_file.json");
    EXPECT_EQ(f.balancer.policy, "file");
    Scenario g        = f;
    g.balancer.policy = "eplb_global";
    EXPECT_EQ(placed(f).placement.phy2log, placed(g).placement.phy2log);
    const Scenario c = load_scenario(dir / "prefill_ep32_greedy_command.json");
    EXPECT_EQ(c.balancer.command, (std::vector<std::string>{"python3", "greedy_placement.py"}));
    EXPECT_EQ(c.balancer.command_dir, dir);
    EXPECT_EQ(scenario_to_json(parse_scenario(scenario_to_json(c), "again.json")), scenario_to_json(c));
    if (std::system("python3 -c pass >/dev/null 2>&1") != 0) GTEST_SKIP() << "python3 not found";
    const step::StepPlacement p = placed(c);
    EXPECT_EQ(p.placement.num_layers, 58);
    EXPECT_EQ(p.placement.num_slots, 288);
}
