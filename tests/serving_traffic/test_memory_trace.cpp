// SPDX-License-Identifier: Apache-2.0
// The held trace (memory_trace.hpp) and open_traffic's use of it: the same requests as the streaming
// readers, request by request, on written files and on the real Mooncake trace looped over a day.
#include "sim/serving/traffic/memory_trace.hpp"
#include "sim/serving/traffic/scaling.hpp"
#include "sim/serving/traffic/trace_readers.hpp"
#include "sim/serving/traffic/traffic_config.hpp"
#include "traffic_test_util.hpp"

using namespace moetwin::serving;
using namespace moetwin::serving::traffic;
using namespace traffic_test;

namespace {

void expect_same(const std::vector<Owned>& a, const std::vector<Owned>& b) {
    ASSERT_EQ(a.size(), b.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
        ASSERT_EQ(a[i].r.id, b[i].r.id) << i;
        ASSERT_EQ(a[i].r.arrival_s, b[i].r.arrival_s) << i; // bit-identical, not near
        ASSERT_EQ(a[i].r.input_tokens, b[i].r.input_tokens) << i;
        ASSERT_EQ(a[i].r.output_tokens, b[i].r.output_tokens) << i;
        ASSERT_EQ(a[i].r.tenant, b[i].r.tenant) << i;
        ASSERT_EQ(a[i].r.session, b[i].r.session) << i;
        ASSERT_EQ(a[i].blocks, b[i].blocks) << i;
    }
}

const std::string kMoon = "{\"timestamp\": 0, \"input_length\": 1000, \"output_length\": 5, \"hash_ids\": [1, 2]}\n"
                          "{\"timestamp\": 250, \"input_length\": 600, \"output_length\": 9, \"hash_ids\": [1, 3]}\n"
                          "{\"timestamp\": 900, \"input_length\": 10, \"output_length\": 1, \"hash_ids\": []}\n";

} // namespace

TEST(MemoryTrace, ReplaysTheReadersRequests) {
    const fs::path f = write_file("held.jsonl", kMoon);
    const auto held  = load_trace(*open_trace(TraceFormat::MooncakeJsonl, f, {}, 1));
    ASSERT_NE(held, nullptr);
    EXPECT_EQ(held->rows.size(), 3u);
    EXPECT_EQ(held->hashes.size(), 4u);
    const auto a = replay_memory_trace(held), b = open_trace(TraceFormat::MooncakeJsonl, f, {}, 1);
    const auto ra = drain(*a), rb = drain(*b);
    expect_same(ra, rb);
    EXPECT_DOUBLE_EQ(ra[1].r.arrival_s, 0.25);
    EXPECT_EQ(ra[1].blocks, (std::vector<uint64_t>{1, 3}));
    // Two sources over one held trace are independent.
    const auto c = replay_memory_trace(held);
    expect_same(drain(*c), rb);
}

TEST(MemoryTrace, OverTheBoundIsNotHeld) {
    const fs::path f = write_file("big.jsonl", kMoon);
    EXPECT_EQ(load_trace(*open_trace(TraceFormat::MooncakeJsonl, f, {}, 1), 100), nullptr);
}

TEST(MemoryTrace, BadLineFailsAtOpenWithItsLine) {
    const fs::path f = write_file("bad.jsonl", kMoon + "{\"timestamp\": 5, \"input_length\": 10, \"output_length\": 1, "
                                                       "\"hash_ids\": []}\n");
    TrafficConfig c;
    c.format            = TraceFormat::MooncakeJsonl;
    c.file              = f;
    c.rate_scale        = 3;
    const std::string m = error_of([&] { open_traffic(c, 1); });
    EXPECT_NE(m.find("bad.jsonl:4: timestamp 5 is earlier"), std::string::npos) << m;
}

// Rate scaling and looping from the held trace equal the streamed ones (the factory open_traffic used
// before), on the real trace: two hours at 50x and 0.5x the trace's rate and a 3.5x rate scale.
TEST(MemoryTrace, RealMooncakeLoopAndRateScaleEqualStreaming) {
    const fs::path moon = shared_traces() / "mooncake_fast25_conversation_trace.jsonl.gz";
    if (!fs::exists(moon)) GTEST_SKIP() << "no " << moon << " (../shared/data absent)";
    const SourceFactory base = [&] { return open_trace(TraceFormat::MooncakeJsonl, moon, {}, 7); };
    TrafficConfig c;
    c.format                 = TraceFormat::MooncakeJsonl;
    c.file                   = moon;
    c.loop_enabled           = true;
    c.loop.hours             = 2;
    c.loop.profile.unit      = ProfileUnit::Relative;
    c.loop.profile.hourly    = std::vector<double>(24, 50);
    c.loop.profile.hourly[1] = 0.5;
    const TraceExtent e      = measure_trace(*base(), "mooncake");
    const auto held = open_traffic(c, 7), streamed = looped_day(base, c.loop, e, 7);
    const auto rh = drain(*held), rs = drain(*streamed);
    EXPECT_GT(rh.size(), 600'000u); // ~50 x 12,031 in hour 0, ~6,000 in hour 1
    expect_same(rh, rs);

    TrafficConfig r;
    r.format       = TraceFormat::MooncakeJsonl;
    r.file         = moon;
    r.rate_scale   = 3.5;
    const auto rh2 = open_traffic(r, 7), rs2 = rate_scaled(base, 3.5, e.period_s(), 7);
    expect_same(drain(*rh2), drain(*rs2));
}
