// SPDX-License-Identifier: Apache-2.0
// Chrome/Perfetto trace: parsed back with nlohmann; pid/tid/ts/dur of specific events and the metadata names.
#include "sim/result/chrome_trace.hpp"

#include "common/atomic_file.hpp"
#include "common/errors.hpp"
#include "sample_result.hpp"

#include <gtest/gtest.h>
#ifndef JSON_USE_IMPLICIT_CONVERSIONS
#define JSON_USE_IMPLICIT_CONVERSIONS 0
#endif
#include <nlohmann/json.hpp>

#include <filesystem>
#include <sstream>

using namespace moetwin;
using Json = nlohmann::json;

namespace {

// The single event matching every (key, value) of `want`.
Json find_event(const Json& trace, const Json& want) {
    std::vector<Json> found;
    for (const Json& e : trace.at("traceEvents")) {
        bool match = true;
        for (const auto& [k, v] : want.items())
            match = match && e.contains(k) && e.at(k) == v;
        if (match) found.push_back(e);
    }
    EXPECT_EQ(found.size(), 1u) << want.dump();
    return found.empty() ? Json() : found.front();
}

} // namespace

TEST(ChromeTrace, MicrosecondsAreExact) {
    EXPECT_EQ(format_us(0), "0");
    EXPECT_EQ(format_us(5), "0.005");
    EXPECT_EQ(format_us(1234), "1.234");
    EXPECT_EQ(format_us(1500), "1.5");
    EXPECT_EQ(format_us(2000), "2");
    EXPECT_EQ(format_us(123456789012), "123456789.012");
}

TEST(ChromeTrace, EventsAndMetadata) {
    const auto path = test::scratch_dir("trace") / "trace.json";
    write_chrome_trace(test::sample_result(), path);
    const std::string text = read_file(path);
    const Json trace       = Json::parse(text);
    EXPECT_EQ(trace.at("displayTimeUnit"), "ns");
    EXPECT_EQ(trace.at("otherData").at("scenario"), "tiny_2x2");

    // gpu 0 = node 0, local rank 0: compute tid 0. expert_gemm runs 3000..5234 ns.
    const Json gemm = find_event(trace, {{"ph", "X"}, {"name", "expert_gemm"}});
    EXPECT_EQ(gemm.at("pid"), 0);
    EXPECT_EQ(gemm.at("tid"), 0);
    EXPECT_DOUBLE_EQ(gemm.at("ts").get<double>(), 3.0);
    EXPECT_DOUBLE_EQ(gemm.at("dur").get<double>(), 2.234);
    EXPECT_EQ(gemm.at("cat"), "compute");
    EXPECT_EQ(gemm.at("args"), Json({{"layer", 0}, {"micro_batch", 0}}));
    EXPECT_NE(text.find("\"ts\":3,\"dur\":2.234,\"name\":\"expert_gemm\""), std::string::npos);

    // gpu 3 = node 1, local rank 1: dispatch tid 1*3+1 = 4; 2000..2600 ns.
    const Json disp = find_event(trace, {{"ph", "X"}, {"pid", 1}, {"tid", 4}});
    EXPECT_EQ(disp.at("name"), "dispatch");
    EXPECT_DOUBLE_EQ(disp.at("ts").get<double>(), 2.0);
    EXPECT_DOUBLE_EQ(disp.at("dur").get<double>(), 0.6);
    EXPECT_EQ(disp.at("args"), Json({{"layer", 1}, {"micro_batch", 1}}));

    // gpu 2 = node 1, local rank 0: the embed span (outside any layer) at 0..5 ns.
    const Json embed = find_event(trace, {{"ph", "X"}, {"name", "embed"}});
    EXPECT_EQ(embed.at("pid"), 1);
    EXPECT_EQ(embed.at("tid"), 0);
    EXPECT_DOUBLE_EQ(embed.at("dur").get<double>(), 0.005);
    EXPECT_EQ(embed.at("args"), Json({{"layer", -1}, {"micro_batch", -1}}));

    // Metadata: a process per node, a thread per GPU lane.
    EXPECT_EQ(find_event(trace, {{"ph", "M"}, {"name", "process_name"}, {"pid", 0}}).at("args").at("name"), "node 0");
    EXPECT_EQ(find_event(trace, {{"ph", "M"}, {"name", "process_name"}, {"pid", 1}}).at("args").at("name"), "node 1");
    EXPECT_EQ(find_event(trace, {{"ph", "M"}, {"name", "thread_name"}, {"pid", 1}, {"tid", 4}}).at("args").at("name"),
              "gpu3 dispatch");
    EXPECT_EQ(find_event(trace, {{"ph", "M"}, {"name", "thread_name"}, {"pid", 0}, {"tid", 2}}).at("args").at("name"),
              "gpu0 combine");
    int threads = 0, spans = 0;
    for (const Json& e : trace.at("traceEvents")) {
        threads += e.at("ph") == "M" && e.at("name") == "thread_name";
        spans += e.at("ph") == "X";
    }
    EXPECT_EQ(threads, 4 * 3);
    EXPECT_EQ(spans, 11);

    const auto again = path.parent_path() / "again.json";
    write_chrome_trace(test::sample_result(), again);
    EXPECT_EQ(read_file(again), text); // deterministic
}

namespace {

// sample_result() plus gpu 1's dispatch of (layer 0, micro-batch 0) at 1800..2900 ns beside gpu 0's
// (1750..3000), three flows and one counter.
RunResult with_comm() {
    RunResult r = test::sample_result();
    r.spans.push_back(Span{1800, 2900, 1, Lane::Dispatch, 0, 0, intern_op(r, "dispatch")});
    sort_spans(r.spans);
    fill_counters_from_spans(r);
    fill_summary(r);
    r.comm.flows = {{0, 1, 0, 0, false, 7},  // gpu 0 -> gpu 1
                    {1, 0, 0, 0, false, 3},  // and back
                    {0, 3, 0, 0, false, 2}}; // gpu 3 has no dispatch span of (0, 0): left out
    // 50 GB/s over 1..3 us, 25 GB/s over 3..5 us: 100,000 + 50,000 bytes.
    r.comm.counters = {{0, "nvlink out", 100e9, 150'000, {{1000, 50e9}, {3000, 25e9}, {5000, 0}}}};
    return r;
}

} // namespace

// Issue 13 item 9: flow arrows and counter tracks, by hand. The spans' common time is 1800..2900 ns, so
// each arrow starts a third into it (1800 + 1100/3 = 2166) and ends two thirds in (2533).
TEST(ChromeTrace, FlowsBetweenTransferSpansAndCounterTracks) {
    const RunResult r = with_comm();
    std::ostringstream out;
    write_chrome_trace(r, out);
    const std::string text = out.str();
    const Json trace       = Json::parse(text);
    EXPECT_NE(
        text.find("{\"ph\":\"s\",\"id\":0,\"pid\":0,\"tid\":1,\"ts\":2.166,\"name\":\"dispatch\",\"cat\":\"flow\","
                  "\"args\":{\"tokens\":7,\"to_gpu\":1}}"),
        std::string::npos)
        << text;
    EXPECT_NE(text.find("{\"ph\":\"f\",\"bp\":\"e\",\"id\":0,\"pid\":0,\"tid\":4,\"ts\":2.533,\"name\":\"dispatch\","
                        "\"cat\":\"flow\"}"),
              std::string::npos)
        << text;
    const Json back_s = find_event(trace, {{"ph", "s"}, {"id", 1}});
    const Json back_f = find_event(trace, {{"ph", "f"}, {"id", 1}});
    EXPECT_EQ(back_s.at("tid"), 4); // gpu 1 = node 0, local rank 1, dispatch: 1 * 3 + 1
    EXPECT_EQ(back_f.at("tid"), 1);
    EXPECT_DOUBLE_EQ(back_s.at("ts").get<double>(), 2.166);
    int flows = 0, counters = 0;
    for (const Json& e : trace.at("traceEvents")) {
        flows += e.at("ph") == "s" || e.at("ph") == "f";
        counters += e.at("ph") == "C";
    }
    EXPECT_EQ(flows, 4); // the flow to gpu 3 has no span to end in
    EXPECT_EQ(counters, 3);
    const Json c = find_event(trace, {{"ph", "C"}, {"ts", 3}});
    EXPECT_EQ(c.at("pid"), 0);
    EXPECT_EQ(c.at("name"), "nvlink out");
    EXPECT_EQ(c.at("args"), Json({{"GB/s (capacity 100.0)", 25}}));
    EXPECT_DOUBLE_EQ(counter_bytes(r.comm.counters[0]), 150'000.0);
    std::ostringstream again;
    write_chrome_trace(r, again);
    EXPECT_EQ(again.str(), text);
}

TEST(ChromeTrace, RefusesAnInvalidCommTimeline) {
    RunResult r                       = with_comm();
    r.comm.counters[0].samples[1].Bps = 101e9; // above capacity
    const auto path                   = test::scratch_dir("trace_bad") / "trace.json";
    try {
        write_chrome_trace(r, path);
        FAIL() << "accepted a rate above capacity";
    } catch (const ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find(path.string()), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("comm.counters[0].samples[1].Bps"), std::string::npos) << e.what();
    }
    EXPECT_FALSE(std::filesystem::exists(path));
    r                                 = with_comm();
    r.comm.counters[0].samples[2].Bps = 5; // does not end at 0
    EXPECT_THROW(validate_comm(r), ConfigError);
    r                                  = with_comm();
    r.comm.counters[0].samples[1].t_ns = 1000; // not increasing
    EXPECT_THROW(validate_comm(r), ConfigError);
    r                       = with_comm();
    r.comm.flows[0].dst_gpu = 0; // to itself
    EXPECT_THROW(validate_comm(r), ConfigError);
    r                     = with_comm();
    r.comm.flows[0].layer = 2; // 2 layers
    EXPECT_THROW(validate_comm(r), ConfigError);
    r                      = with_comm();
    r.comm.flows[0].tokens = 0;
    EXPECT_THROW(validate_comm(r), ConfigError);
}
