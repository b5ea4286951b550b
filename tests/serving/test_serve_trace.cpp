// SPDX-License-Identifier: Apache-2.0
// trace.json of sampled request lifecycles (serve_trace.hpp): hand-computed spans, sampling, colocated form;
// the plot scripts (serve_plots.hpp) name the columns and prices they use.
#include "sim/serving/serve_plots.hpp"
#include "sim/serving/serve_trace.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <map>

namespace moetwin::serving {
namespace {
using json = nlohmann::json;

RequestRecord disaggregated_record() {
    RequestRecord r;
    r.id              = 20;
    r.arrival_s       = 1.0;
    r.prefill_start_s = 1.5;
    r.ttft_s          = 1.0; // first token at 2.0
    r.kv_start_s      = 2.25;
    r.kv_done_s       = 2.5;
    r.e2e_s           = 4.0; // last token at 5.0
    r.input_tokens    = 1000;
    r.output_tokens   = 50;
    r.hit_tokens      = 512;
    r.prefill_unit = 0, r.prefill_rank = 3, r.decode_unit = 1, r.decode_rank = 7;
    return r;
}

// name -> (ts, dur) in microseconds, of the spans of request `id`.
std::map<std::string, std::pair<double, double>> spans_of(const json& t, int64_t id) {
    std::map<std::string, std::pair<double, double>> out;
    for (const json& e : t["traceEvents"])
        if (e["ph"] == "X" && e["tid"].get<int64_t>() == id)
            out[e["name"].get<std::string>()] = {e["ts"].get<double>(), e["dur"].get<double>()};
    return out;
}

TEST(ServeTrace, SpansFollowTheLifecycle) {
    const json t = json::parse(request_trace_json({disaggregated_record()}, "s", 10));
    const auto s = spans_of(t, 20);
    ASSERT_EQ(s.size(), 5u);
    EXPECT_DOUBLE_EQ(s.at("queue").first, 1e6);
    EXPECT_DOUBLE_EQ(s.at("queue").second, 0.5e6);
    EXPECT_DOUBLE_EQ(s.at("prefill").first, 1.5e6);
    EXPECT_DOUBLE_EQ(s.at("prefill").second, 0.5e6);
    EXPECT_DOUBLE_EQ(s.at("wait decode").first, 2e6);
    EXPECT_DOUBLE_EQ(s.at("wait decode").second, 0.25e6);
    EXPECT_DOUBLE_EQ(s.at("KV transfer").second, 0.25e6);
    EXPECT_DOUBLE_EQ(s.at("decode").first, 2.5e6);
    EXPECT_DOUBLE_EQ(s.at("decode").second, 2.5e6);
    for (const json& e : t["traceEvents"])
        if (e["ph"] == "X") EXPECT_EQ(e["args"]["decode_rank"], 7);
}

TEST(ServeTrace, ColocatedHasNoTransferAndEmptyStagesAreLeftOut) {
    RequestRecord r   = disaggregated_record();
    r.kv_start_s      = -1;
    r.kv_done_s       = -1;
    r.prefill_start_s = r.arrival_s; // no queue
    const auto s      = spans_of(json::parse(request_trace_json({r}, "s", 1)), 20);
    ASSERT_EQ(s.size(), 2u);
    EXPECT_DOUBLE_EQ(s.at("prefill").second, 1e6);
    EXPECT_DOUBLE_EQ(s.at("decode").first, 2e6);
    EXPECT_DOUBLE_EQ(s.at("decode").second, 3e6);
}

TEST(ServeTrace, SinkKeepsEveryNthAndForwardsAll) {
    struct Count : RecordSink {
        int n = 0;
        void on_complete(const RequestRecord&) override { ++n; }
    } count;
    TraceSampleSink sink(count, 4);
    for (int64_t id = 0; id < 10; ++id) {
        RequestRecord r;
        r.id = id;
        sink.on_complete(r);
    }
    EXPECT_EQ(count.n, 10);
    ASSERT_EQ(sink.sampled().size(), 3u); // ids 0, 4, 8
    EXPECT_EQ(sink.sampled()[2].id, 8);
}

TEST(ServePlots, CostScriptUsesTheUnitsGpusAndPrices) {
    ReplayInputs in;
    in.prefill.nodes = 4, in.prefill.gpus = 32, in.decode.nodes = 18, in.decode.gpus = 144;
    in.config.series_period_s = 600;
    const std::string s       = serve_plot_script(in, "serve_cost", "t", "series.csv", "out.png");
    // cost = (prefill nodes x 8 + decode nodes x 8) x $2; revenue: hits 0.14, misses 0.55, output 2.19 per M.
    EXPECT_NE(s.find("(($6*8 + $7*8)*2)"), std::string::npos) << s;
    EXPECT_NE(s.find("($14*0.14 + ($3-$14)*0.55 + $4*2.19)/1e6*3600/P"), std::string::npos) << s;
    EXPECT_NE(s.find("P = 600"), std::string::npos);
}

} // namespace
} // namespace moetwin::serving
