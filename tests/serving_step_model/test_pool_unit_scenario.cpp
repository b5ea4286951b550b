// SPDX-License-Identifier: Apache-2.0
// A serving pool's own routing and balancer (serving.prefill / serving.decode "routing", "balancer"): parsed
// strictly against the pool's unit, written back, applied to that pool's unit scenario only, and part of the
// step-model cache key (sim/serving/step_model/pool_unit_scenario.hpp).
#include "common/errors.hpp"
#include "common/json_reader.hpp"
#include "sim/serving/step_model/pool_unit_scenario.hpp"
#include "sim/serving/step_model/step_grid_build.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

namespace moetwin::serving {
namespace {

using ::testing::HasSubstr;

const std::string kScenarios = std::string(MOETWIN_SOURCE_DIR) + "/scenarios/";

nlohmann::json tiny_serve() {
    std::ifstream f(kScenarios + "tiny_serve_2node.json");
    std::stringstream ss;
    ss << f.rdbuf();
    return nlohmann::json::parse(ss.str());
}

Scenario parse(const nlohmann::json& j) {
    return parse_scenario(j.dump(), "pool.json", kScenarios);
}

std::string error_of(const nlohmann::json& j) {
    try {
        (void)parse(j);
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "(no error)";
}

std::string key_of(const Scenario& unit) {
    return step_model_key(keyed_scenario_json(unit), "test", GridInterpolation::Bilinear, GridAxes{{1, 2}, {3, 4}});
}

TEST(PoolUnitSettings, PrefillPoolRunsItsOwnRoutingAndBalancer) {
    nlohmann::json j                    = tiny_serve();
    j["serving"]["prefill"]["routing"]  = {{"node_limit", 1},
                                           {"popularity", {{"distribution", "lognormal"}, {"sigma", 0.3}}},
                                           {"replica_policy", "same_node_first"}};
    j["serving"]["prefill"]["balancer"] = {{"policy", "eplb_global"}};
    const Scenario s                    = parse(j);
    ASSERT_TRUE(s.serving_prefill_unit.routing.has_value());
    ASSERT_TRUE(s.serving_prefill_unit.balancer.has_value());
    EXPECT_FALSE(s.serving_decode_unit.routing.has_value());

    const Scenario pre = pool_unit_scenario(s, Phase::Prefill);
    const Scenario dec = pool_unit_scenario(s, Phase::Decode);
    EXPECT_EQ(pre.workload.phase, Phase::Prefill);
    EXPECT_EQ(pre.routing.popularity, ExpertPopularity::LogNormal);
    EXPECT_DOUBLE_EQ(pre.routing.lognormal_sigma, 0.3);
    EXPECT_EQ(pre.routing.replica_policy, "same_node_first");
    EXPECT_EQ(pre.balancer.policy, "eplb_global");
    EXPECT_EQ(pre.workload.tokens_per_gpu, s.serving->prefill_tokens_per_rank);
    // The decode pool keeps the scenario's (zipf 0.8, eplb).
    EXPECT_EQ(dec.routing.popularity, ExpertPopularity::Zipf);
    EXPECT_DOUBLE_EQ(dec.routing.zipf_s, 0.8);
    EXPECT_EQ(dec.balancer.policy, "eplb");

    // The cache key sees the override: the prefill unit's key changes with it, the decode unit's does not.
    const Scenario plain = parse(tiny_serve());
    EXPECT_NE(key_of(pre), key_of(pool_unit_scenario(plain, Phase::Prefill)));
    EXPECT_EQ(key_of(dec), key_of(pool_unit_scenario(plain, Phase::Decode)));
    nlohmann::json other                              = j;
    other["serving"]["prefill"]["balancer"]["policy"] = "eplb";
    EXPECT_NE(key_of(pre), key_of(pool_unit_scenario(parse(other), Phase::Prefill)));

    // Written back and read again: the same scenario.
    const std::string once = scenario_to_json(s);
    const Scenario again   = parse_scenario(once, "canonical.json", kScenarios);
    EXPECT_EQ(scenario_to_json(again), once);
    EXPECT_EQ(again.serving_prefill_unit.balancer->policy, "eplb_global");
    EXPECT_EQ(nlohmann::json::parse(once)["serving"]["prefill"]["routing"]["replica_policy"], "same_node_first");
}

TEST(PoolUnitSettings, DecodePoolOverrideAlsoTimesColocatedPrefill) {
    nlohmann::json j     = tiny_serve();
    j["serving"]["mode"] = "colocated";
    j["serving"].erase("prefill");
    j["serving"]["decode"]["balancer"] = {{"policy", "eplb_global"}};
    const Scenario s                   = parse(j);
    EXPECT_EQ(pool_unit_scenario(s, Phase::Decode).balancer.policy, "eplb_global");
    EXPECT_EQ(pool_unit_scenario(s, Phase::Prefill).balancer.policy, "eplb_global");
    EXPECT_EQ(pool_unit_scenario(s, Phase::Prefill).workload.tokens_per_gpu, s.serving->chunk_tokens);
}

TEST(PoolUnitSettings, TheDay6PrefillPoolRunsTheRecordedPrefillLoads) {
    const Scenario s   = load_scenario(kScenarios + "deepseek_v3_day6_service.json");
    const Scenario pre = pool_unit_scenario(s, Phase::Prefill);
    EXPECT_EQ(pre.routing.popularity, ExpertPopularity::File);
    EXPECT_EQ(pre.routing.loads_path.filename(), "prefill_in2048.json");
    EXPECT_EQ(pre.routing.replica_policy, "same_node_first");
    EXPECT_EQ(pre.balancer.policy, "eplb_hierarchical");
    EXPECT_EQ(pre.active_unit().ep_size, 32);
    const Scenario dec = pool_unit_scenario(s, Phase::Decode);
    EXPECT_EQ(dec.routing.popularity, ExpertPopularity::LogNormal);
    EXPECT_EQ(dec.balancer.policy, "eplb");
    EXPECT_EQ(dec.active_unit().ep_size, 144);
}

TEST(PoolUnitSettings, BadInputNamesThePoolsPath) {
    nlohmann::json j                   = tiny_serve();
    j["serving"]["prefill"]["routing"] = {{"node_limt", 1}};
    EXPECT_THAT(error_of(j), HasSubstr("serving.prefill.routing"));
    EXPECT_THAT(error_of(j), HasSubstr("node_limt"));

    j                                 = tiny_serve(); // checked against the pool's unit: 1 node
    j["serving"]["decode"]["routing"] = {{"node_limit", 2}};
    EXPECT_THAT(error_of(j), HasSubstr("serving.decode.routing.node_limit"));
    EXPECT_THAT(error_of(j), HasSubstr("exceeds the unit's 1 nodes"));

    j                                   = tiny_serve();
    j["serving"]["prefill"]["balancer"] = {{"policy", "no_such_policy"}};
    EXPECT_THAT(error_of(j), HasSubstr("serving.prefill.balancer.policy"));

    j                                   = tiny_serve();
    j["serving"]["prefill"]["balancer"] = {{"policy", "eplb"}, {"rebalance_every", 3}};
    EXPECT_THAT(error_of(j), HasSubstr("serving.prefill.balancer"));
    EXPECT_THAT(error_of(j), HasSubstr("rebalance_every"));

    j                                                = tiny_serve();
    j["serving"]["prefill"]["routing"]["popularity"] = {{"distribution", "file"}};
    EXPECT_THAT(error_of(j), HasSubstr("serving.prefill.routing.popularity"));
    EXPECT_THAT(error_of(j), HasSubstr("path"));
}

} // namespace
} // namespace moetwin::serving
