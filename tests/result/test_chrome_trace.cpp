// SPDX-License-Identifier: Apache-2.0
// Chrome/Perfetto trace: parsed back with nlohmann; pid/tid/ts/dur of specific events and the metadata names.
#include "sim/result/chrome_trace.hpp"

#include "common/atomic_file.hpp"
#include "sample_result.hpp"

#include <gtest/gtest.h>
#ifndef JSON_USE_IMPLICIT_CONVERSIONS
#define JSON_USE_IMPLICIT_CONVERSIONS 0
#endif
#include <nlohmann/json.hpp>

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
