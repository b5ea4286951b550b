// SPDX-License-Identifier: Apache-2.0
// Time and rate scaling and the looped day: counts, order, renumbered ids, the copies' offsets and salts,
// the hourly profile, and prefix reuse kept per copy.
#include "sim/serving/traffic/block_hash.hpp"
#include "sim/serving/traffic/scaling.hpp"
#include "sim/serving/traffic/trace_readers.hpp"
#include "traffic_test_util.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <unordered_set>

using namespace moetwin::serving;
using namespace moetwin::serving::traffic;
using namespace traffic_test;

namespace {

// A trace held in the test: request i arrives at times[i], input 100 + i, output 1 + i % 5, one block
// hashed i + 1000.
class VectorSource final : public RequestSource {
  public:
    explicit VectorSource(std::vector<double> t) : t_(std::move(t)) {}
    bool next(Request& r) override {
        if (i_ >= t_.size()) return false;
        r               = Request{};
        r.id            = int64_t(i_);
        r.arrival_s     = t_[i_];
        r.input_tokens  = 100 + int64_t(i_);
        r.output_tokens = 1 + int64_t(i_ % 5);
        h_              = 1000 + i_;
        r.prefix_blocks = std::span<const uint64_t>(&h_, 1);
        ++i_;
        return true;
    }

  private:
    std::vector<double> t_;
    std::size_t i_ = 0;
    uint64_t h_    = 0;
};

// 1000 requests evenly spaced by 3.6 s: last at 3596.4 s, period 3596.4 * 1000 / 999 = 3600 s.
SourceFactory even_hour() {
    std::vector<double> t(1000);
    for (int i = 0; i < 1000; ++i)
        t[i] = 3.6 * i;
    return [t] { return std::make_unique<VectorSource>(t); };
}

void expect_stream_invariants(const std::vector<Owned>& v) {
    for (std::size_t i = 0; i < v.size(); ++i) {
        ASSERT_EQ(v[i].r.id, int64_t(i));
        if (i > 0) ASSERT_GE(v[i].r.arrival_s, v[i - 1].r.arrival_s) << i;
    }
}

} // namespace

TEST(Scaling, PeriodIsOneMeanGapAfterTheLastArrival) {
    const TraceExtent e = measure_trace(*even_hour()(), "even");
    EXPECT_EQ(e.requests, 1000);
    EXPECT_NEAR(e.period_s(), 3600.0, 1e-9);
    VectorSource one({5.0});
    EXPECT_NE(error_of([&] { measure_trace(one, "one.csv"); }).find("one.csv: 1 requests"), std::string::npos);
}

TEST(Scaling, TimeScaleStretchesArrivals) {
    const auto v = drain(*time_scaled(even_hour()(), 2.5));
    ASSERT_EQ(v.size(), 1000u);
    EXPECT_DOUBLE_EQ(v[999].r.arrival_s, 3596.4 * 2.5);
    EXPECT_EQ(v[999].r.input_tokens, 1099);
}

TEST(Scaling, IntegerRateScaleSuperposesShiftedCopies) {
    const auto v = drain(*rate_scaled(even_hour(), 3.0, 3600, 17));
    ASSERT_EQ(v.size(), 3000u); // keep probability 3 / 3 = 1: exactly three copies
    expect_stream_invariants(v);
    std::map<int64_t, int> inputs;
    std::set<uint64_t> hashes;
    for (const Owned& o : v) {
        ++inputs[o.r.input_tokens];
        hashes.insert(o.blocks.at(0));
        EXPECT_GE(o.r.arrival_s, 0.0);
        EXPECT_LT(o.r.arrival_s, 3600.0);
    }
    ASSERT_EQ(inputs.size(), 1000u); // every request of the trace three times
    for (const auto& [in, n] : inputs)
        EXPECT_EQ(n, 3) << in;
    EXPECT_EQ(hashes.size(), 3000u); // copies share no prefix block
    for (uint64_t h = 1000; h < 2000; ++h)
        EXPECT_TRUE(hashes.count(h)) << "copy 0 keeps the trace's own hashes";
    // Copies 1 and 2 are the trace shifted cyclically: within a copy the gaps stay 3.6 s (one 3.6 s wrap gap).
    std::map<uint64_t, double> copy1;
    for (const Owned& o : v)
        if (o.blocks[0] == salted_hash(1000 + 500, 1))
            copy1[0] = o.r.arrival_s;
        else if (o.blocks[0] == salted_hash(1000 + 501, 1))
            copy1[1] = o.r.arrival_s;
    ASSERT_EQ(copy1.size(), 2u);
    EXPECT_NEAR(std::fmod(copy1[1] - copy1[0] + 3600, 3600), 3.6, 1e-6);
}

TEST(Scaling, FractionalRateScaleThins) {
    const auto v = drain(*rate_scaled(even_hour(), 2.5, 3600, 4));
    expect_stream_invariants(v);
    // 3 copies kept with probability 5/6 each: 2500 +- 5 sqrt(3000 * 5/6 * 1/6).
    EXPECT_NEAR(double(v.size()), 2500, 5 * std::sqrt(3000 * 5.0 / 36));
    const auto w = drain(*rate_scaled(even_hour(), 0.25, 3600, 4));
    EXPECT_NEAR(double(w.size()), 250, 5 * std::sqrt(1000 * 0.25 * 0.75));
    expect_stream_invariants(w);
    for (const Owned& o : w) // a thinned trace is a subset of it, at the trace's times
        EXPECT_DOUBLE_EQ(o.r.arrival_s, 3.6 * double(o.r.input_tokens - 100));
}

TEST(Scaling, SameSeedSameStream) {
    const auto a = drain(*rate_scaled(even_hour(), 3.7, 3600, 9)), b = drain(*rate_scaled(even_hour(), 3.7, 3600, 9));
    const auto c = drain(*rate_scaled(even_hour(), 3.7, 3600, 10));
    ASSERT_EQ(a.size(), b.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
        EXPECT_EQ(a[i].r.arrival_s, b[i].r.arrival_s);
        EXPECT_EQ(a[i].blocks, b[i].blocks);
    }
    bool differs = a.size() != c.size();
    for (std::size_t i = 0; !differs && i < a.size(); ++i)
        differs = a[i].r.arrival_s != c[i].r.arrival_s;
    EXPECT_TRUE(differs);
}

TEST(Scaling, LoopedDayFollowsTheHourlyProfile) {
    LoopSpec loop;
    loop.hours               = 26; // the profile repeats: hours 24 and 25 are hours 0 and 1 again
    loop.profile.unit        = ProfileUnit::Relative;
    loop.profile.hourly      = {1, 2, 0, 0.5, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    const SourceFactory base = even_hour();
    const auto v             = drain(*looped_day(base, loop, measure_trace(*base(), "even"), 3));
    expect_stream_invariants(v);
    std::vector<int> per_hour(26, 0);
    std::vector<std::set<uint64_t>> hashes(26);
    for (const Owned& o : v) {
        const auto h = std::size_t(o.r.arrival_s / 3600);
        ASSERT_LT(h, 26u);
        ++per_hour[h];
        hashes[h].insert(o.blocks[0]);
    }
    EXPECT_EQ(per_hour[0], 1000);
    EXPECT_EQ(per_hour[1], 2000);
    EXPECT_EQ(per_hour[2], 0);
    EXPECT_NEAR(per_hour[3], 500, 5 * std::sqrt(1000 * 0.25));
    EXPECT_EQ(per_hour[4], 3000);
    EXPECT_EQ(per_hour[24], 1000);
    EXPECT_EQ(per_hour[25], 2000);
    for (uint64_t h = 1000; h < 2000; ++h)
        EXPECT_TRUE(hashes[0].count(h)); // hour 0, copy 0: the trace itself
    for (const uint64_t h : hashes[1])   // a later hour's users are others
        EXPECT_FALSE(hashes[0].count(h));

    LoopSpec absolute          = loop;
    absolute.hours             = 2;
    absolute.profile.unit      = ProfileUnit::ReqPerS;
    absolute.profile.hourly[0] = 1000.0 / 3600 * 2; // twice the trace's own rate
    absolute.profile.hourly[1] = 1000.0 / 3600;
    const auto w               = drain(*looped_day(base, absolute, measure_trace(*base(), "even"), 3));
    EXPECT_EQ(w.size(), 3000u);
}

TEST(Scaling, MooncakeReuseIsKeptPerCopy) {
    const fs::path p = shared_traces() / "mooncake_fast25_conversation_trace.jsonl.gz";
    if (!fs::exists(p)) GTEST_SKIP() << "../shared/data absent";
    const SourceFactory base = [p] { return open_trace(TraceFormat::MooncakeJsonl, p, {}, 0); };
    const TraceExtent e      = measure_trace(*base(), p.string());
    const auto src           = rate_scaled(base, 2.0, e.period_s(), 5);
    std::unordered_set<uint64_t> seen;
    double in = 0, reused = 0;
    int64_t n = 0;
    Request r;
    while (src->next(r)) {
        ++n;
        in += double(r.input_tokens);
        std::size_t k = 0;
        while (k < r.prefix_blocks.size() && seen.count(r.prefix_blocks[k]))
            ++k;
        reused += double(std::min<int64_t>(int64_t(k) * 512, r.input_tokens));
        seen.insert(r.prefix_blocks.begin(), r.prefix_blocks.end());
    }
    EXPECT_EQ(n, 2 * 12031);
    // One copy reuses 37.4 %; the wrapped copy loses the reuse across its cut (a conversation split by the wrap),
    // and no copy reuses another's blocks: the ratio stays within a point of the trace's.
    EXPECT_NEAR(reused / in, 0.374, 0.01);
}
