// SPDX-License-Identifier: Apache-2.0
// The bottleneck rule (sim/sweep/sweep_bottleneck.hpp) on hand-built timelines, every time computed by hand.
#include "sim/sweep/sweep_bottleneck.hpp"
#include "sim/sweep/sweep_top.hpp"

#include <gtest/gtest.h>

namespace moetwin::sweep {
namespace {

RunResult timeline(int32_t gpus, std::vector<Span> spans) {
    RunResult r;
    r.meta.num_gpus = gpus;
    r.spans         = std::move(spans);
    sort_spans(r.spans);
    return r;
}

Span span(int32_t gpu, Lane lane, int64_t b, int64_t e) {
    Span s;
    s.gpu      = gpu;
    s.lane     = lane;
    s.begin_ns = b;
    s.end_ns   = e;
    return s;
}

TEST(SweepBottleneck, ExposedCommAndImbalanceByHand) {
    // GPU 0: compute [0,20] and [40,60] (40 ns); dispatch [10,30] exposes [20,30] (10); combine [28,44] exposes
    // [30,40] (10). GPU 1: compute [0,80] (80); dispatch [20,40] hidden (0); combine [80,100] exposed (20).
    const RunResult r =
        timeline(2, {span(0, Lane::Compute, 0, 20), span(0, Lane::Compute, 40, 60), span(0, Lane::Dispatch, 10, 30),
                     span(0, Lane::Combine, 28, 44), span(1, Lane::Compute, 0, 80), span(1, Lane::Dispatch, 20, 40),
                     span(1, Lane::Combine, 80, 100)});
    const Bottleneck b = bottleneck_of(r);
    EXPECT_EQ(b.compute_ns, 60);         // (40 + 80) / 2
    EXPECT_EQ(b.exposed_dispatch_ns, 5); // (10 + 0) / 2
    EXPECT_EQ(b.exposed_combine_ns, 15); // (10 + 20) / 2
    EXPECT_EQ(b.imbalance_ns, 20);       // 80 - 60
    EXPECT_EQ(b.name, "compute");
}

TEST(SweepBottleneck, EachPartCanBeTheBottleneck) {
    EXPECT_EQ(bottleneck_of(timeline(1, {span(0, Lane::Compute, 0, 10), span(0, Lane::Dispatch, 5, 50)})).name,
              "dispatch");
    EXPECT_EQ(bottleneck_of(timeline(1, {span(0, Lane::Compute, 0, 10), span(0, Lane::Dispatch, 5, 20),
                                         span(0, Lane::Combine, 15, 60)}))
                  .name,
              "combine");
    // Two GPUs: 100 and 10 ns of compute; the mean (55) waits 45 for the busiest, more than it computes.
    const Bottleneck b = bottleneck_of(
        timeline(2, {span(0, Lane::Compute, 0, 100), span(1, Lane::Compute, 0, 5), span(1, Lane::Compute, 3, 10)}));
    EXPECT_EQ(b.compute_ns, 55); // GPU 1's overlapping spans count once: 10
    EXPECT_EQ(b.imbalance_ns, 45);
    EXPECT_EQ(b.name, "compute");
    const Bottleneck c = bottleneck_of(
        timeline(3, {span(0, Lane::Compute, 0, 90), span(1, Lane::Compute, 0, 3), span(2, Lane::Compute, 0, 3)}));
    EXPECT_EQ(c.compute_ns, 32);
    EXPECT_EQ(c.imbalance_ns, 58);
    EXPECT_EQ(c.name, "imbalance");
    EXPECT_EQ(bottleneck_of(timeline(2, {})).name, ""); // no timeline: no verdict
}

PointRecord point(double per_gpu, double per_user, double price = 2.0) {
    PointRecord p;
    p.verdict = kVerdictOk;
    PointMetrics m;
    m.tokens_per_s_per_gpu  = per_gpu;
    m.tokens_per_s_per_user = per_user;
    m.step_time_ns          = 50'000'000;
    p.metrics               = m;
    p.usd_per_gpu_hour      = price;
    return p;
}

TEST(SweepTop, CostLatencyAndTheBestForATarget) {
    const PointRecord a = point(2000, 20);
    // $2 per GPU-hour over 2000 tokens/s: 2 / 3600 / 2000 × 10^6 = 0.27778 $ per million tokens; TPOT 50 ms.
    EXPECT_NEAR(cost_per_million_tokens_usd(a), 2.0 / 3600 / 2000 * 1e6, 1e-12);
    EXPECT_DOUBLE_EQ(latency_ms(a), 50.0);
    SweepOutcome o;
    o.points            = {point(2000, 20), point(3000, 15), point(1500, 40), point(2500, 25), point(1000, 60)};
    o.points[3].verdict = kVerdictFailed; // never listed
    TopQuery q;
    q.k                         = 2;
    q.min_tokens_per_s_per_user = 20; // points 0, 2, 4 meet it (3 failed): best tokens/s per GPU first
    EXPECT_EQ(top_points(o, q), (std::vector<std::size_t>{0, 2}));
    q                          = TopQuery{};
    q.k                        = 5;
    q.min_tokens_per_s_per_gpu = 1500; // points 0, 1, 2 meet it: best tokens/s per user first
    EXPECT_EQ(top_points(o, q), (std::vector<std::size_t>{2, 0, 1}));
    q             = TopQuery{};
    q.k           = 1;
    q.max_tpot_ms = 20; // 1000 / 60 = 16.7 ms: point 4 only
    EXPECT_EQ(top_points(o, q), (std::vector<std::size_t>{4}));
    SweepSpec spec;
    EXPECT_NE(top_table(spec, o, q, top_points(o, q)).find("1000.0"), std::string::npos);
    q.max_tpot_ms = 1; // nothing meets it, and the table says so
    EXPECT_NE(top_table(spec, o, q, top_points(o, q)).find("no simulated point meets the target"), std::string::npos);
}

} // namespace
} // namespace moetwin::sweep
