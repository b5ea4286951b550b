// SPDX-License-Identifier: Apache-2.0
// Whole sweeps on the tiny one-node scenario (sim/sweep/sweep_run.hpp): every point recorded with its verdict
// and reason, the figures of the simulated ones, the cache (a second run simulates nothing, an extended one
// only the new points), constraints, and outputs byte-identical across --jobs.
#include "common/atomic_file.hpp"
#include "sim/sweep/sweep_output.hpp"
#include "sim/sweep/sweep_run.hpp"
#include "sweep_test_helpers.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <map>

namespace moetwin::sweep {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// 2 × 2 × 3 = 12 points: draft_tokens 5 is out of the parser's range (4 invalid points), 4096 requests per GPU
// overflow the DeepEP low-latency buffer (4 not fitting), 4 are simulated.
std::string axes(const std::string& requests = "[16, 4096]") {
    return R"([{"path": "workload.requests_per_gpu", "values": )" + requests + R"(},
               {"path": "routing.replica_policy", "values": ["round_robin", "least_loaded"]},
               {"path": "workload.mtp.draft_tokens", "values": [0, 1, 5]}])";
}

SweepOptions options(const std::filesystem::path& dir, int jobs) {
    SweepOptions o;
    o.out_dir = dir;
    o.jobs    = jobs;
    o.version = "test-version";
    return o;
}

TEST(SweepRun, EveryPointRecordedThenCachedThenExtended) {
    const auto dir       = test::temp_dir("cache");
    const SweepSpec s    = test::parse(test::sweep_text(axes()));
    const SweepOutcome r = run_sweep(s, options(dir, 2));
    ASSERT_EQ(r.points.size(), 12u);
    EXPECT_EQ(r.stats.computed, 4);
    EXPECT_EQ(r.stats.cached, 0);
    std::map<std::string, int> verdicts;
    for (const PointRecord& p : r.points) {
        ++verdicts[p.verdict];
        const int64_t requests = p.spec.values[0].get<int64_t>();
        const int64_t drafts   = p.spec.values[2].get<int64_t>();
        if (drafts == 5) {
            EXPECT_EQ(p.verdict, kVerdictInvalid);
            EXPECT_THAT(p.reason, HasSubstr("workload.mtp.draft_tokens"));
            EXPECT_FALSE(p.fits.has_value());
            EXPECT_EQ(p.key, "");
        } else if (requests == 4096) {
            EXPECT_EQ(p.verdict, kVerdictNotFitting);
            EXPECT_THAT(p.reason, StartsWith("does not fit"));
            ASSERT_TRUE(p.fits.has_value());
            EXPECT_FALSE(*p.fits);
            EXPECT_FALSE(p.metrics.has_value());
        } else {
            EXPECT_EQ(p.verdict, kVerdictOk) << p.reason;
            ASSERT_TRUE(p.metrics.has_value());
            const PointMetrics& m = *p.metrics;
            const double step_s   = double(m.step_time_ns) * 1e-9;
            EXPECT_GT(step_s, 0);
            // 1 / TPOT with MTP: (1 + drafts × 0.85 default acceptance) tokens per request per step.
            EXPECT_DOUBLE_EQ(m.tokens_per_s_per_user, (1 + 0.85 * double(drafts)) / step_s);
            // 8 GPUs × 16 requests × (1 + 0.85 drafts) tokens per step.
            EXPECT_NEAR(double(m.tokens_per_step), 8 * 16 * (1 + 0.85 * double(drafts)), 1.0);
            EXPECT_NEAR(m.tokens_per_s_per_gpu, double(m.tokens_per_step) / step_s / 8, 1e-6 * m.tokens_per_s_per_gpu);
            EXPECT_GE(m.busiest_gpu_ratio, 1.0);
            // One node of 8 GPUs: tokens/s per node is 8 × per GPU; $2 per GPU-hour by default.
            EXPECT_NEAR(m.tokens_per_s_per_node, 8 * m.tokens_per_s_per_gpu, 1e-6 * m.tokens_per_s_per_node);
            EXPECT_NEAR(cost_per_million_tokens_usd(p), 2.0 / 3600 / m.tokens_per_s_per_gpu * 1e6, 1e-9);
            EXPECT_DOUBLE_EQ(latency_ms(p), 1000 / m.tokens_per_s_per_user);
            EXPECT_THAT(m.bottleneck, ::testing::AnyOf("compute", "dispatch", "combine", "imbalance"));
            EXPECT_GT(m.compute_ns, 0);
            EXPECT_LE(m.compute_ns + m.imbalance_ns, m.step_time_ns); // the busiest GPU's compute fits in the step
            ASSERT_TRUE(p.memory_per_gpu_GiB.has_value());
            EXPECT_GT(*p.memory_per_gpu_GiB, 1.0);
            EXPECT_EQ(p.scenario_file, "scenarios/" + p.key + ".json");
            EXPECT_TRUE(std::filesystem::is_regular_file(dir / p.scenario_file));
            EXPECT_TRUE(std::filesystem::is_regular_file(dir / "points" / (p.key + ".json")));
        }
    }
    EXPECT_EQ(verdicts[kVerdictInvalid], 4);
    EXPECT_EQ(verdicts[kVerdictNotFitting], 4);
    EXPECT_EQ(verdicts[kVerdictOk], 4);
    int front = 0;
    for (const PointRecord& p : r.points)
        front += p.pareto;
    EXPECT_GE(front, 1);

    // The same sweep again: nothing simulated, the same outputs.
    const SweepOutcome again = run_sweep(s, options(dir, 2));
    EXPECT_EQ(again.stats.computed, 0);
    EXPECT_EQ(again.stats.cached, 4);
    EXPECT_EQ(sweep_csv(s, again), sweep_csv(s, r));
    EXPECT_EQ(sweep_json(s, again, "v"), sweep_json(s, r, "v"));

    // Interrupted after all but one simulation (its entry missing): only that one runs again.
    std::filesystem::remove(dir / "points" / (r.points[0].key + ".json"));
    const SweepOutcome resumed = run_sweep(s, options(dir, 2));
    EXPECT_EQ(resumed.stats.computed, 1);
    EXPECT_EQ(resumed.stats.cached, 3);
    EXPECT_EQ(sweep_csv(s, resumed), sweep_csv(s, r));

    // Extended with a batch: only its 4 new simulations (2 policies × 2 MTP settings) run.
    const SweepSpec wider       = test::parse(test::sweep_text(axes("[16, 32, 4096]")));
    const SweepOutcome extended = run_sweep(wider, options(dir, 2));
    EXPECT_EQ(extended.points.size(), 18u);
    EXPECT_EQ(extended.stats.computed, 4);
    EXPECT_EQ(extended.stats.cached, 4);

    // Another moetwin version: the cache does not apply.
    SweepOptions other  = options(dir, 2);
    other.version       = "another-version";
    const SweepSpec one = test::parse(test::sweep_text(R"([{"path": "workload.requests_per_gpu", "values": [16]}])"));
    EXPECT_EQ(run_sweep(one, other).stats.computed, 1);
}

TEST(SweepRun, OutputsAreByteIdenticalAcrossJobs) {
    const SweepSpec s = test::parse(test::sweep_text(axes()));
    const auto d1 = test::temp_dir("jobs1"), d2 = test::temp_dir("jobs2");
    const SweepOutcome r1 = run_sweep(s, options(d1, 1));
    const SweepOutcome r2 = run_sweep(s, options(d2, 2));
    (void)write_sweep_outputs(s, r1, "test-version", d1);
    (void)write_sweep_outputs(s, r2, "test-version", d2);
    for (const char* f : {"sweep.csv", "sweep.json"})
        EXPECT_EQ(read_file(d1 / f), read_file(d2 / f)) << f;
    for (const PointRecord& p : r1.points)
        if (!p.key.empty() && p.metrics)
            EXPECT_EQ(read_file(d1 / "points" / (p.key + ".json")), read_file(d2 / "points" / (p.key + ".json")));
    // The CSV: a header and one row per point, the front marked.
    const std::string csv = read_file(d1 / "sweep.csv");
    EXPECT_THAT(csv, StartsWith("point,grid_index,workload.requests_per_gpu,routing.replica_policy,"
                                "workload.mtp.draft_tokens,verdict,fits,memory_per_gpu_GiB,step_time_ms,"
                                "tokens_per_s_per_gpu,tokens_per_s_per_node,tokens_per_s_per_user,latency_ms,"
                                "cost_per_million_tokens_usd,busiest_gpu_ratio,bottleneck,compute_ms,"
                                "exposed_dispatch_ms,exposed_combine_ms,imbalance_ms,pareto,pareto_cost_latency,"
                                "scenario_file,key,reason\n"));
    EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 13);
}

TEST(SweepRun, AConstraintOnTokensPerUserIsRecorded) {
    const auto dir       = test::temp_dir("constraint");
    const SweepSpec s    = test::parse(test::sweep_text(R"([{"path": "workload.requests_per_gpu", "values": [16]}])",
                                                        R"("constraints": {"min_tokens_per_s_per_user": 1e6})"));
    const SweepOutcome r = run_sweep(s, options(dir, 1));
    ASSERT_EQ(r.points.size(), 1u);
    EXPECT_EQ(r.points[0].verdict, kVerdictBelowUser);
    EXPECT_THAT(r.points[0].reason, HasSubstr("is below the constraint's 1000000"));
    EXPECT_FALSE(r.points[0].pareto);
    ASSERT_TRUE(r.points[0].metrics.has_value()); // simulated, figures kept
}

TEST(SweepRun, TpotConstraintSizeGuardAndTimeoutsAreRecorded) {
    const std::string one = R"([{"path": "workload.requests_per_gpu", "values": [16]}])";
    {
        const auto dir = test::temp_dir("tpot");
        const SweepOutcome r =
            run_sweep(test::parse(test::sweep_text(one, R"("constraints": {"max_tpot_ms": 1e-6})")), options(dir, 1));
        ASSERT_EQ(r.points.size(), 1u);
        EXPECT_EQ(r.points[0].verdict, kVerdictAboveTpot);
        EXPECT_THAT(r.points[0].reason, HasSubstr("is above the constraint's 1e-06 ms"));
        EXPECT_FALSE(r.points[0].pareto_cost_latency);
    }
    { // The size guard: a point estimated above the limit is recorded, not run.
        const auto dir       = test::temp_dir("toolarge");
        SweepOptions o       = options(dir, 1);
        o.point_limits       = SizeLimits{0, 1e-9}; // minutes
        const SweepOutcome r = run_sweep(test::parse(test::sweep_text(one)), o);
        EXPECT_EQ(r.points[0].verdict, kVerdictTooLarge);
        EXPECT_THAT(r.points[0].reason, HasSubstr("minutes allowed"));
        EXPECT_EQ(r.stats.computed, 0);
    }
    { // A worker that does not answer in time: failed with the message, not cached, the sweep goes on.
        const auto dir       = test::temp_dir("timeout");
        SweepOptions o       = options(dir, 2);
        o.point_timeout_s    = 1e-3;
        const SweepOutcome r = run_sweep(test::parse(test::sweep_text(axes())), o);
        int failed           = 0;
        for (const PointRecord& p : r.points)
            if (p.verdict == kVerdictFailed) {
                ++failed;
                EXPECT_THAT(p.reason, HasSubstr("timed out"));
                EXPECT_FALSE(std::filesystem::exists(dir / "points" / (p.key + ".json")));
            }
        EXPECT_EQ(failed, 4); // the 4 simulated points; the invalid and not fitting ones keep their verdicts
    }
}

} // namespace
} // namespace moetwin::sweep
