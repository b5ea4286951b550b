// SPDX-License-Identifier: Apache-2.0
// One name table per enum: every table is complete, lowercase and unique, every value parses back from its
// printed name, the scenario parser reads the tables (and the libraries' catalogues) with one case rule, and
// `moetwin validate --list` lists every name.
#include "common/errors.hpp"
#include "engine/gpu_spec.hpp"
#include "engine/phase.hpp"
#include "engine/precision.hpp"
#include "sim/scenario.hpp"
#include "sim/scenario_names.hpp"
#include "topologies/cluster_spec.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <set>
#include <sstream>

using namespace moetwin;
using nlohmann::json;

namespace {

// Complete (the N enumerators 0..N-1 each once), lowercase [a-z0-9_], unique, and to_string/table_find invert.
template <class E, std::size_t N> void check_table(const std::array<NameEntry<E>, N>& t, const char* what) {
    std::set<int> values;
    std::set<std::string_view> names;
    for (const NameEntry<E>& e : t) {
        values.insert(int(e.value));
        names.insert(e.name);
        EXPECT_FALSE(e.name.empty()) << what;
        EXPECT_FALSE(e.description.empty()) << what << " " << e.name;
        for (const char c : e.name)
            EXPECT_TRUE((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_') << what << " " << e.name;
        EXPECT_EQ(to_string(e.value), e.name) << what;
        EXPECT_EQ(table_parse(t, to_string(e.value), what), e.value) << what;
    }
    EXPECT_EQ(values.size(), N) << what << ": a value is listed twice";
    EXPECT_EQ(*values.begin(), 0) << what;
    EXPECT_EQ(*values.rbegin(), int(N) - 1) << what << ": enumerators missing from the table";
    EXPECT_EQ(names.size(), N) << what << ": a name is listed twice";
}

TEST(NameTables, EveryTableRoundTrips) {
    check_table(kPhases, "phase");
    check_table(kPrecisions, "precision");
    check_table(kFabricKinds, "fabric");
    check_table(kCommBackends, "network backend");
    check_table(kDeepEpModes, "DeepEP mode");
    check_table(kCommDirections, "direction");
    check_table(kExpertPopularities, "popularity");
    check_table(kContextDistributions, "context distribution");
    check_table(kOverlapSchedules, "overlap");
    check_table(kAllToAllModes, "all-to-all mode");
    check_table(kComputeSources, "compute source");
    EXPECT_EQ(parse_phase("decode"), Phase::Decode);
    EXPECT_EQ(parse_precision("fp8_e4m3"), Precision::Fp8E4m3);
}

// AllToAllMode's normal and low_latency are DeepEpMode's names, not a second spelling of them.
TEST(NameTables, AllToAllModesSpellDeepEpModes) {
    EXPECT_EQ(to_string(AllToAllMode::Normal), to_string(DeepEpMode::Normal));
    EXPECT_EQ(to_string(AllToAllMode::LowLatency), to_string(DeepEpMode::LowLatency));
}

json base() {
    return json::parse(R"({
      "name": "t",
      "model": { "name": "deepseek_v3" },
      "hardware": { "gpu": "h800" },
      "cluster": { "num_nodes": 18, "gpus_per_node": 8 },
      "deployment": { "decode": { "num_nodes": 18, "ep_size": 144, "dp_size": 144,
                                  "redundant_experts": 32, "routed_experts_per_gpu": 2 } },
      "workload": { "phase": "decode", "requests_per_gpu": 128 }
    })");
}

std::string error_of(const json& j) {
    try {
        parse_scenario(j.dump(2), "s.json");
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "(no error)";
}

// Keys where every name of the table is valid in the base scenario: each parses from its printed name and the
// canonical writer prints it back.
TEST(NameTables, ScenarioParsesEveryPrintedName) {
    for (const NameEntry<CommBackend>& e : kCommBackends) {
        json j                  = base();
        j["network"]["backend"] = std::string(e.name);
        EXPECT_EQ(parse_scenario(j.dump(), "s.json").network.backend, e.value);
    }
    for (const NameEntry<AllToAllMode>& e : kAllToAllModes) {
        json j                     = base();
        j["network"]["all_to_all"] = std::string(e.name);
        const Scenario s           = parse_scenario(j.dump(), "s.json");
        EXPECT_EQ(s.network.all_to_all, e.value);
        EXPECT_EQ(json::parse(scenario_to_json(s))["network"]["all_to_all"], std::string(e.name));
    }
    for (const NamedKey& k : scenario_named_keys()) {
        if (k.key != "routing.replica_policy") continue;
        for (const NamedChoice& c : k.choices) {
            json j                         = base();
            j["routing"]["replica_policy"] = c.name;
            EXPECT_EQ(parse_scenario(j.dump(), "s.json").routing.replica_policy, c.name);
        }
    }
}

// Issue 13 item 9: GPU names were case-insensitive, policy names were not. Now every name is exact lowercase,
// and every miss gets the same message: the closest name and the list.
TEST(NameTables, OneCaseRuleForEveryName) {
    json gpu               = base();
    gpu["hardware"]["gpu"] = "H800";
    EXPECT_EQ(error_of(gpu).substr(0, 110), "s.json: hardware.gpu: \"H800\" is not a known gpu (names are lowercase; "
                                            "did you mean \"h800\"?); known: h800, h100");
    json policy                  = base();
    policy["balancer"]["policy"] = "EPLB";
    EXPECT_EQ(error_of(policy).substr(0, 107),
              "s.json: balancer.policy: \"EPLB\" is not a known placement policy (names "
              "are lowercase; did you mean \"eplb\"?)");
    json backend                  = base();
    backend["network"]["backend"] = "Fluid";
    EXPECT_EQ(error_of(backend), "s.json: network.backend: \"Fluid\" is not a known network backend (names are "
                                 "lowercase; did you mean \"fluid\"?); known: fluid, simgrid_flows");
    json fabric                 = base();
    fabric["cluster"]["fabric"] = "fat-tree";
    EXPECT_EQ(error_of(fabric), "s.json: cluster.fabric: \"fat-tree\" is not a known fabric (did you mean "
                                "\"fat_tree\"?); known: single_node, fat_tree, multi_plane_fat_tree, rail_optimized, "
                                "nvl72");
    json replica                         = base();
    replica["routing"]["replica_policy"] = "Round_Robin";
    EXPECT_NE(
        error_of(replica).find("routing.replica_policy: \"Round_Robin\" is not a known dispatch policy (names are "
                               "lowercase; did you mean \"round_robin\"?)"),
        std::string::npos)
        << error_of(replica);
}

TEST(NameTables, ListShowsEveryName) {
    std::ostringstream out;
    print_scenario_names(out);
    const std::string text = out.str();
    for (const NamedKey& k : scenario_named_keys()) {
        EXPECT_NE(text.find(k.key + "\n"), std::string::npos) << k.key;
        EXPECT_FALSE(k.choices.empty()) << k.key;
        for (const NamedChoice& c : k.choices)
            EXPECT_NE(text.find("  " + c.name + " "), std::string::npos) << k.key << " " << c.name;
    }
    for (const GpuSpec& g : gpu_catalogue())
        EXPECT_NE(text.find("  " + g.name + " "), std::string::npos) << g.name;
    for (const NameEntry<FabricKind>& f : kFabricKinds)
        EXPECT_NE(text.find("  " + std::string(f.name) + " "), std::string::npos) << f.name;
}

} // namespace
