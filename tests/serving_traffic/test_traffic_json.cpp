// SPDX-License-Identifier: Apache-2.0
// serving.traffic: parse, write, parse again gives the same config; bad keys and values name the JSON path;
// open_traffic builds the stream the config describes.
#include "common/json_reader.hpp"
#include "sim/scenario_bounds.hpp"
#include "sim/serving/traffic/arrivals.hpp"
#include "sim/serving/traffic/trace_fields.hpp"
#include "sim/serving/traffic/traffic_config.hpp"
#include "traffic_test_util.hpp"

#include <gmock/gmock.h>

using namespace moetwin;
using namespace moetwin::serving;
using namespace moetwin::serving::traffic;
using namespace traffic_test;
using testing::HasSubstr;

namespace {

TrafficConfig parse(const std::string& text) {
    const nlohmann::json j = parse_json_text(text, "scenario.json");
    return parse_traffic(JsonObject(j, "serving.traffic", "scenario.json"), scratch());
}

std::string parse_error(const std::string& text) {
    return error_of([&] { parse(text); });
}

const std::string kProfile = "[1,1,1,1,1,1,2,3,4,4,4,4,4,4,4,4,4,4,4,3,2,2,1,1]";

void expect_round_trip(const std::string& text) {
    const TrafficConfig c  = parse(text);
    const nlohmann::json w = traffic_to_json(c);
    const TrafficConfig d  = parse(w.dump());
    EXPECT_TRUE(c == d) << w.dump(2);
    EXPECT_EQ(traffic_to_json(d), w);
}

} // namespace

TEST(TrafficConfig, RoundTrips) {
    write_file("t.csv", "TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:17:03.97,5,1\n"
                        "2023-11-16 18:17:05.97,6,2\n2023-11-16 18:17:06.97,7,3\n");
    write_file("len.csv", "num_prefill_tokens,num_decode_tokens\n5,6\n7,8\n");
    expect_round_trip(R"({"source": "trace", "format": "azure_csv", "file": "t.csv", "rate_scale": 2.5,
                          "time_scale": 0.5})");
    expect_round_trip(R"({"source": "trace", "format": "lengths_csv", "file": "len.csv",
                          "arrivals": {"rate_req_per_s": 3, "cv": 2}})");
    expect_round_trip(R"({"source": "trace", "format": "azure_csv", "file": "t.csv",
                          "loop": {"hours": 48, "unit": "relative", "hourly": )" +
                      kProfile + "}}");
    expect_round_trip(R"({"source": "synthetic", "synthetic": {"duration_s": 7200, "cv": 1.5, "block_tokens": 256,
        "rate": {"unit": "relative", "mean_req_per_s": 40, "hourly": )" +
                      kProfile + R"(},
        "tenants": [
          {"name": "chat", "weight": 3, "system_prompt_tokens": 1200,
           "input": {"kind": "lognormal", "mean_tokens": 900, "sigma": 1.1},
           "output": {"kind": "empirical", "format": "lengths_csv", "file": "len.csv"},
           "session": {"continue_probability": 0.6, "think_time_s": 45}},
          {"name": "api", "input": {"kind": "fixed", "tokens": 4000}, "output": {"kind": "fixed", "tokens": 20}}]}})");
}

TEST(TrafficConfig, BadInputNamesTheJsonPath) {
    write_file("t.csv", "TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:17:03.97,5,1\n");
    EXPECT_THAT(parse_error(R"({"format": "azure_csv", "file": "t.csv"})"),
                HasSubstr("serving.traffic.source: missing required key"));
    EXPECT_THAT(parse_error(R"({"source": "trace", "format": "azure", "file": "t.csv"})"),
                HasSubstr("serving.traffic.format: \"azure\" is not a known trace format"));
    EXPECT_THAT(parse_error(R"({"source": "trace", "format": "azure_csv", "file": "nope.csv"})"),
                HasSubstr("serving.traffic.file: no such file"));
    EXPECT_THAT(parse_error(R"({"source": "trace", "format": "azure_csv", "file": "t.csv", "rate_scale": 0})"),
                HasSubstr("serving.traffic.rate_scale: 0 is outside the plausible range [1e-06, 1000]"));
    EXPECT_THAT(parse_error(R"({"source": "trace", "format": "azure_csv", "file": "t.csv", "rate_scal": 2})"),
                HasSubstr("did you mean \"rate_scale\""));
    EXPECT_THAT(parse_error(R"({"source": "trace", "format": "azure_csv", "file": "t.csv",
                                "arrivals": {"rate_req_per_s": 3}})"),
                HasSubstr("serving.traffic.arrivals: only a lengths_csv trace takes generated arrivals"));
    EXPECT_THAT(parse_error(R"({"source": "trace", "format": "lengths_csv", "file": "t.csv"})"),
                HasSubstr("missing required key \"arrivals\""));
    EXPECT_THAT(parse_error(R"({"source": "trace", "format": "azure_csv", "file": "t.csv", "rate_scale": 2,
                                "loop": {"hourly": )" +
                            kProfile + "}}"),
                HasSubstr("serving.traffic.loop: a looped trace is stretched"));
    EXPECT_THAT(parse_error(R"({"source": "trace", "format": "azure_csv", "file": "t.csv",
                                "loop": {"hourly": [1, 2]}})"),
                HasSubstr("serving.traffic.loop.hourly: expected 24 values"));
    EXPECT_THAT(parse_error(R"({"source": "synthetic", "synthetic": {"rate": {"hourly": )" + kProfile +
                            R"(}, "tenants": []}})"),
                HasSubstr("serving.traffic.synthetic.rate: missing required key \"mean_req_per_s\""));
    EXPECT_THAT(parse_error(R"({"source": "synthetic", "synthetic": {"rate": {"unit": "req_per_s", "hourly": )" +
                            kProfile + R"(}, "tenants": []}})"),
                HasSubstr("serving.traffic.synthetic.tenants: expected at least one tenant"));
    EXPECT_THAT(parse_error(R"({"source": "synthetic", "synthetic": {"rate": {"unit": "req_per_s", "hourly": )" +
                            kProfile + R"(}, "cv": 50, "tenants": []}})"),
                HasSubstr("serving.traffic.synthetic.cv: 50 is outside the plausible range [0, 20]"));
    EXPECT_THAT(parse_error(R"({"source": "synthetic", "synthetic": {"rate": {"unit": "req_per_s", "hourly": )" +
                            kProfile + R"(}, "tenants": [{"name": "a", "input": {"kind": "lognormal", "mean_tokens": 5},
                            "output": {"kind": "fixed", "tokens": 3}}]}})"),
                HasSubstr("serving.traffic.synthetic.tenants[0].input: missing required key \"sigma\""));
    EXPECT_THAT(parse_error(R"({"source": "synthetic", "synthetic": {"rate": {"unit": "req_per_s", "hourly": )" +
                            kProfile + R"(}, "tenants": [{"name": "a", "input": {"kind": "fixed", "tokens": 5},
                            "output": {"kind": "fixed", "tokens": 3},
                            "session": {"continue_probability": 1.5}}]}})"),
                HasSubstr("serving.traffic.synthetic.tenants[0].session.continue_probability: 1.5 is outside the "
                          "plausible range [0, 1]"));
}

TEST(TrafficConfig, OpensTheStreamItDescribes) {
    write_file("t3.csv", "TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:17:00,5,1\n"
                         "2023-11-16 18:17:10,6,2\n2023-11-16 18:17:20,7,3\n");
    // Period 20 * 3 / 2 = 30 s; rate scale 2 -> 6 requests in [0, 30) s; time scale 2 -> [0, 60) s.
    const TrafficConfig c = parse(R"({"source": "trace", "format": "azure_csv", "file": "t3.csv",
                                      "rate_scale": 2, "time_scale": 2})");
    const auto v          = drain(*open_traffic(c, 1));
    ASSERT_EQ(v.size(), 6u);
    for (const Owned& o : v)
        EXPECT_LT(o.r.arrival_s, 60.0);
    const auto plain = drain(*open_traffic(parse(R"({"source": "trace", "format": "azure_csv", "file": "t3.csv",
                                                     "time_scale": 3})"),
                                           1));
    ASSERT_EQ(plain.size(), 3u);
    EXPECT_DOUBLE_EQ(plain[2].r.arrival_s, 60.0);
    const TrafficConfig s = parse(R"({"source": "synthetic", "synthetic": {"duration_s": 3600,
        "rate": {"unit": "req_per_s", "hourly": [10,10,10,10,10,10,10,10,10,10,10,10,10,10,10,10,10,10,10,10,10,10,10,10]},
        "block_tokens": 256,
        "tenants": [{"name": "a", "input": {"kind": "fixed", "tokens": 1000}, "output": {"kind": "fixed", "tokens": 3}}]}})");
    const auto src        = open_traffic(s, 5);
    EXPECT_EQ(src->block_tokens(), 256);
    const auto w = drain(*src);
    EXPECT_NEAR(double(w.size()), 36000, 5 * std::sqrt(36000.0));
    EXPECT_EQ(w[0].blocks.size(), 4u); // ceil(1000 / 256)
}

// Issue 15 item 4: serving.traffic's numbers are read through rows of the plausible-range table
// (sim/scenario_bounds.cpp); the rows hold the same limits as the traffic module's own constants.
TEST(TrafficConfig, BoundsTableRowsHoldTheTrafficLimits) {
    EXPECT_EQ(physical_bound("serving.traffic.synthetic.cv").max, kMaxCv);
    EXPECT_EQ(physical_bound("serving.traffic.arrivals.cv").max, kMaxCv);
    EXPECT_EQ(physical_bound("serving.traffic.rate_scale").max, kMaxRateScale);
    for (const char* row :
         {"serving.traffic.synthetic.tenants[].*.tokens", "serving.traffic.synthetic.tenants[].*.mean_tokens",
          "serving.traffic.synthetic.max_context_tokens", "serving.traffic.synthetic.block_tokens",
          "serving.traffic.synthetic.tenants[].system_prompt_tokens", "training.sequence_tokens"})
        EXPECT_EQ(physical_bound(row).max, double(kMaxRequestTokens)) << row;
    // Read through the row: the error names the element's own path and the row's reason.
    const nlohmann::json j = nlohmann::json::parse(R"({"source": "synthetic", "synthetic": {
        "rate": {"unit": "req_per_s", "hourly": [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]},
        "tenants": [{"name": "a", "input": {"kind": "fixed", "tokens": 10}, "output": {"kind": "fixed", "tokens": 10}},
                    {"name": "b", "input": {"kind": "lognormal", "mean_tokens": 10, "sigma": 6},
                     "output": {"kind": "fixed", "tokens": 10}}]}})");
    try {
        (void)parse_traffic(JsonObject(j, "serving.traffic", "scenario.json"), ".");
        ADD_FAILURE() << "sigma 6 was accepted";
    } catch (const ConfigError& e) {
        EXPECT_EQ(std::string(e.what()),
                  "scenario.json: serving.traffic.synthetic.tenants[1].input.sigma: 6 is outside "
                  "the plausible range [0, 5] (sigma of ln tokens: measured traces are 0.5-1.5; "
                  "at 5 the 99th percentile is e^11.6 × the median)");
    }
}
