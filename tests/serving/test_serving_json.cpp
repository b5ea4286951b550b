// SPDX-License-Identifier: Apache-2.0
// The scenario's `serving` section: round trip, strictness, bad schedules; serve_to_dir's outputs:
// byte-identical for the same inputs, nothing written when the replay fails.
#include "serving_test_support.hpp"

#include "common/atomic_file.hpp"
#include "common/errors.hpp"
#include "sim/scenario.hpp"
#include "sim/serving/serve_setup.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

namespace moetwin::serving {
namespace {
using namespace test;
using json   = nlohmann::json;
namespace fs = std::filesystem;

json serving_scenario() {
    json j = json::parse(std::ifstream(std::string(MOETWIN_SOURCE_DIR) + "/scenarios/deepseek_v3_decode_ep144.json"));
    j["deployment"]["prefill"] = {{"num_nodes", 4}, {"redundant_experts", 32}};
    j["serving"]               = {
                      {"mode", "disaggregated"},
                      {"duration_h", 24},
                      {"traffic", {{"kind", "anything"}, {"rate", 3}}},
                      {"prefill",
                       {{"schedule", json::array({{{"at_h", 0}, {"units", 8}}, {{"at_h", 6}, {"units", 12}}})},
                        {"join_delay_min", 5}}},
                      {"decode",
                       {{"autoscale",
                         {{"min_units", 2}, {"max_units", 16}, {"initial_units", 4}, {"period_min", 10}, {"join_delay_min", 15}}}}},
                      {"prefix_cache", {{"capacity_GB", 1000}, {"read_bandwidth_GBps", 50}}},
                      {"slo", {{"ttft_s", 2}, {"tpot_ms", 50}}},
    };
    return j;
}

std::string error_of(const json& j) {
    try {
        parse_scenario(j.dump(), "t.json");
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "(no error)";
}

TEST(ServingJson, ParsesAndRoundTrips) {
    const Scenario s = parse_scenario(serving_scenario().dump(), "t.json");
    ASSERT_TRUE(s.serving);
    const ServingConfig& c = *s.serving;
    EXPECT_EQ(c.mode, ServingMode::Disaggregated);
    ASSERT_EQ(c.prefill.schedule.size(), 2u);
    EXPECT_DOUBLE_EQ(c.prefill.schedule[1].at_s, 6 * 3600);
    EXPECT_EQ(c.prefill.schedule[1].units, 12);
    EXPECT_DOUBLE_EQ(c.prefill.join_delay_s, 300);
    EXPECT_TRUE(c.decode.autoscale);
    EXPECT_DOUBLE_EQ(c.decode.policy.join_delay_s, 900);
    EXPECT_DOUBLE_EQ(c.prefix_cache.capacity_bytes, 1e12);
    EXPECT_DOUBLE_EQ(c.slo.tpot_s, 0.05);
    EXPECT_EQ(c.max_batch_per_rank, s.workload.requests_per_gpu); // defaults from the workload
    EXPECT_EQ(json::parse(c.traffic_json), json({{"kind", "anything"}, {"rate", 3}}));
    const std::string once = scenario_to_json(s);
    const Scenario again   = parse_scenario(once, "again.json");
    EXPECT_EQ(scenario_to_json(again), once);
    EXPECT_DOUBLE_EQ(again.serving->prices.output_per_mtok_usd, 2.19);
}

TEST(ServingJson, BadInputNamesThePath) {
    json j                                          = serving_scenario();
    j["serving"]["prefill"]["schedule"][1]["units"] = 0;
    EXPECT_NE(error_of(j).find("serving.prefill.schedule[1].units: leaves the pool with no unit from 6 h"),
              std::string::npos)
        << error_of(j);
    j                                              = serving_scenario();
    j["serving"]["prefill"]["schedule"][0]["at_h"] = 1;
    EXPECT_NE(error_of(j).find("serving.prefill.schedule[0].at_h: the first point must be at 0 h"), std::string::npos);
    j                                              = serving_scenario();
    j["serving"]["prefill"]["schedule"][1]["at_h"] = 0;
    EXPECT_NE(error_of(j).find("increasing time"), std::string::npos);
    j                                   = serving_scenario();
    j["serving"]["prefill"]["schedule"] = json::array();
    EXPECT_NE(error_of(j).find("serving.prefill.schedule"), std::string::npos);
    j                                                = serving_scenario();
    j["serving"]["decode"]["autoscale"]["max_units"] = 1; // below min_units
    EXPECT_NE(error_of(j).find("serving.decode.autoscale.max_units"), std::string::npos);
    j                           = serving_scenario();
    j["serving"]["slo"]["tpot"] = 1;
    EXPECT_NE(error_of(j).find("serving.slo"), std::string::npos);
    j                    = serving_scenario();
    j["serving"]["mode"] = "colocated";
    EXPECT_NE(error_of(j).find("serving.prefill: \"colocated\" serving has one pool"), std::string::npos);
    j = serving_scenario();
    j["deployment"].erase("prefill");
    EXPECT_NE(error_of(j).find("serving.mode: \"disaggregated\" needs deployment.prefill"), std::string::npos);
    j = serving_scenario();
    j["serving"].erase("slo");
    EXPECT_NE(error_of(j).find("missing required key \"slo\""), std::string::npos);
}

TEST(ServingJson, ReplayInputsFromTheMemoryFit) {
    const Scenario s = parse_scenario(serving_scenario().dump(), "t.json");
    const AffineTestStepModel m(0.01, 0, 0);
    const ReplayInputs in = replay_inputs(s, m, m);
    EXPECT_EQ(in.decode.dp_ranks, 144);
    EXPECT_EQ(in.prefill.dp_ranks, 32);
    EXPECT_EQ(in.prefill.nodes, 4);
    EXPECT_GT(in.decode.kv_capacity_tokens_per_rank, 128 * 4096); // the workload's batch fits
    // DeepSeek-V3's MLA cache: (512 + 64) × 61 layers × 2 B (BF16) = 70,272 B per token (+ MTP layer if served).
    EXPECT_GE(in.kv_bytes_per_token, 70272);
    EXPECT_DOUBLE_EQ(in.prefill.nic_Bps, 50e9);
    EXPECT_EQ(in.mtp.draft_tokens, s.workload.mtp_draft_tokens);
}

std::vector<OwnedRequest> some_requests(int n) {
    std::vector<OwnedRequest> v;
    Rng rng(11);
    double t = 0;
    for (int i = 0; i < n; ++i) {
        t += 0.05 * -std::log(1 - rng.uniform());
        v.push_back(
            req(t, 1 + int64_t(rng.uniform() * 900), 1 + int64_t(rng.uniform() * 300), {rng.next() % 3, rng.next()}));
    }
    return v;
}

TEST(ServeToDir, SameInputsGiveByteIdenticalFiles) {
    const AffineTestStepModel pre(0.05, 2e-5, 0), dec(0.02, 1e-4, 1e-7);
    ReplayInputs in                       = tiny_inputs(pre, dec);
    in.decode.dp_ranks                    = 4;
    in.decode.kv_capacity_tokens_per_rank = 40000;
    in.config.max_batch_per_rank          = 64;
    in.prefill.nic_Bps                    = 1e9;
    in.config.prefill_tokens_per_rank     = 4096;
    in.config.duration_s                  = 300;
    in.config.series_period_s             = 60;
    in.config.prefix_cache                = {true, 1e8, 1e9};
    in.mtp                                = {1, 0.8};
    const fs::path root = fs::temp_directory_path() / ("moetwin_serve_det_" + std::to_string(::getpid()));
    for (const char* d : {"a", "b"}) {
        VectorSource src(some_requests(4000), 64);
        serve_to_dir(in, src, root / d);
    }
    for (const char* f : {"requests.csv", "summary.json", "series.csv"})
        EXPECT_EQ(read_file(root / "a" / f), read_file(root / "b" / f)) << f;
    const std::string csv = read_file(root / "a" / "requests.csv");
    EXPECT_GT(std::count(csv.begin(), csv.end(), '\n'), 3000);
    const json summary = json::parse(read_file(root / "a" / "summary.json"));
    EXPECT_EQ(summary["requests"]["in"].get<int64_t>(),
              summary["requests"]["completed"].get<int64_t>() + summary["requests"]["unfinished"].get<int64_t>());
    EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n') - 1, summary["requests"]["completed"].get<int64_t>());
    const std::string series = read_file(root / "a" / "series.csv");
    EXPECT_EQ(std::count(series.begin(), series.end(), '\n'), 6); // header + 5 one-minute rows
    fs::remove_all(root);
}

TEST(ServeToDir, AFailedReplayWritesNothing) {
    const AffineTestStepModel m(0.05, 0, 0);
    ReplayInputs in  = tiny_inputs(m, m);
    const fs::path d = fs::temp_directory_path() / ("moetwin_serve_fail_" + std::to_string(::getpid()));
    VectorSource src({req(0, 10, 5), req(1, 900, 200)}); // the second needs 1,100 KV tokens of 1,000
    EXPECT_THROW(serve_to_dir(in, src, d), ConfigError);
    EXPECT_FALSE(fs::exists(d / "requests.csv"));
    EXPECT_FALSE(fs::exists(d / "summary.json"));
    fs::remove_all(d);
}

} // namespace
} // namespace moetwin::serving
