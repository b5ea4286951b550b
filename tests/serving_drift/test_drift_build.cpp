// SPDX-License-Identifier: Apache-2.0
// Expert drift through the step simulator on drift_serve_8gpu.json (EP8 units, one MoE layer, log-normal runs):
// re-placing every 5 minutes against never, in busiest/mean, step-time factors and a replay's TPOT; the cache;
// determinism; and the scaled-grid approximation against direct step simulations at other shapes.
#include "../serving/serving_test_support.hpp"

#include "common/errors.hpp"
#include "common/json_reader.hpp"
#include "sim/scenario.hpp"
#include "sim/serving/drift/drift_build.hpp"
#include "sim/serving/drift/drift_loads.hpp"
#include "sim/serving/serve_output.hpp"
#include "sim/serving/serve_setup.hpp"
#include "sim/serving/traffic/traffic_config.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <numeric>

namespace moetwin::serving {
namespace {
namespace fs = std::filesystem;

Scenario drift_scenario() {
    return load_scenario(std::string(MOETWIN_SOURCE_DIR) + "/tests/serving_drift/drift_serve_8gpu.json");
}

// As `moetwin serve` runs a pool's unit (sim/cli/cmd_serve.cpp, unit_scenario).
Scenario unit_of(const Scenario& s, Phase phase) {
    Scenario u       = s;
    u.serving        = std::nullopt;
    u.workload.phase = phase;
    if (phase == Phase::Prefill) u.workload.tokens_per_gpu = s.serving->prefill_tokens_per_rank;
    return u;
}

fs::path fresh_dir(const std::string& name) {
    const fs::path d = fs::temp_directory_path() / ("moetwin_drift_" + name + "_" + std::to_string(::getpid()));
    fs::remove_all(d);
    return d;
}

double mean(const std::vector<double>& v, std::size_t from = 0) {
    return std::accumulate(v.begin() + std::ptrdiff_t(from), v.end(), 0.0) / double(v.size() - from);
}

// TEST MODEL for the replay's drift-free step (the factors are the step simulator's): about a 2-node EP8 unit.
const test::AffineTestStepModel kDecodeModel(0.012, 2e-4, 2e-7), kPrefillModel(0.01, 2.5e-5, 1e-6);

struct Built {
    DriftBuild prefill, decode;
};

Built build(const Scenario& s, const fs::path& cache) {
    DriftBuildOptions o;
    o.cache_dir = cache;
    o.jobs      = 2;
    o.version   = "test";
    return {build_step_drift(unit_of(s, Phase::Prefill), *s.serving, kPrefillModel, o),
            build_step_drift(unit_of(s, Phase::Decode), *s.serving, kDecodeModel, o)};
}

ReplaySummary replay_with(const Scenario& s, const Built& b, std::string* series = nullptr) {
    ReplayInputs in        = replay_inputs(s, kPrefillModel, kDecodeModel);
    in.prefill.drift       = &b.prefill.drift;
    in.decode.drift        = &b.decode.drift;
    const nlohmann::json j = parse_json_text(s.serving->traffic_json, "t");
    auto src = traffic::open_traffic(traffic::parse_traffic(JsonObject(j, "serving.traffic", "t"), s.serving->base_dir),
                                     s.seed);
    test::CollectSink sink;
    ReplaySummary r = replay(in, *src, sink);
    if (series) *series = series_csv(r);
    return r;
}

TEST(DriftBuild, RebalancingEveryFiveMinutesBeatsNever) {
    const Scenario every                    = drift_scenario();
    Scenario never                          = every;
    never.serving->expert_drift.rebalance_s = 0;
    const fs::path cache                    = fresh_dir("rebalance");
    const Built e = build(every, cache), n = build(never, cache);
    ASSERT_EQ(e.decode.drift.intervals(), 6); // 30 min of 5-minute intervals
    EXPECT_EQ(e.decode.plan.placements.size(), 6u);
    EXPECT_EQ(n.decode.plan.placements.size(), 1u);
    // Not a grid model: the default grid's axes; the context nearest the unit's own 2048, 4 batches across.
    EXPECT_EQ(e.decode.reference.batches.size(), std::size_t(kDriftReferenceBatches));
    EXPECT_EQ(e.decode.reference.batches.front(), 1);
    EXPECT_EQ(e.decode.reference.own_batch, 32);
    EXPECT_EQ(e.prefill.reference.batches.back(), 4096); // the prefill grid's largest, tokens_per_gpu
    for (const Built* b : {&e, &n})
        for (const DriftBuild* d : {&b->prefill, &b->decode}) {
            for (const double t : d->reference_step_s)
                EXPECT_GT(t, 0);
            for (int i = 0; i < d->drift.intervals(); ++i)
                for (const double b : d->reference.batches) {
                    EXPECT_GT(d->drift.factor_at(i, b), 0.5);
                    EXPECT_LT(d->drift.factor_at(i, b), 3);
                }
            for (const double r : d->drift.busiest_over_mean)
                EXPECT_GE(r, 1);
        }
    // Interval 0 is the same placement; after it, the re-fitted one is better balanced and faster, in both pools.
    for (const auto& [re, nv] : {std::pair{&e.decode, &n.decode}, std::pair{&e.prefill, &n.prefill}}) {
        std::printf("busiest/mean (every 5 min | never):");
        for (std::size_t i = 0; i < re->drift.busiest_over_mean.size(); ++i)
            std::printf(" %.3f|%.3f", re->drift.busiest_over_mean[i], nv->drift.busiest_over_mean[i]);
        const std::size_t K = re->reference.batches.size();
        std::printf("\nstep factor at the largest reference batch %g:", re->reference.batches.back());
        for (int i = 0; i < re->drift.intervals(); ++i)
            std::printf(" %.3f|%.3f", re->drift.factor_at(i, 1e9), nv->drift.factor_at(i, 1e9));
        std::printf("\n");
        EXPECT_DOUBLE_EQ(re->drift.busiest_over_mean[0], nv->drift.busiest_over_mean[0]);
        for (std::size_t k = 0; k < K; ++k)
            EXPECT_DOUBLE_EQ(re->drift.excess_s[k], nv->drift.excess_s[k]);
        EXPECT_LT(mean(re->drift.busiest_over_mean, 1), mean(nv->drift.busiest_over_mean, 1) - 0.02);
        EXPECT_LT(mean(re->drift.excess_s, K), mean(nv->drift.excess_s, K));
        // Every re-placement moves experts and costs the busiest GPU's copy time (migration.*); never: no pause.
        // (Interval 1 is re-fitted on interval 0, the loads the first placement was fitted on: nothing moves.)
        EXPECT_EQ(re->plan.moved[1].experts_moved, 0);
        for (std::size_t i = 1; i < re->drift.migration_s.size(); ++i) {
            if (i >= 2) EXPECT_GT(re->plan.moved[i].experts_moved, 0);
            EXPECT_DOUBLE_EQ(re->drift.migration_s[i], re->plan.moved[i].time_s);
            EXPECT_EQ(nv->drift.migration_s[i], 0);
        }
    }
    const ReplaySummary re = replay_with(every, e), nv = replay_with(never, n);
    std::printf("TPOT p50 %.4f | %.4f s, p99 %.4f | %.4f s; TTFT p50 %.4f | %.4f s\n", re.tpot.quantile(0.5),
                nv.tpot.quantile(0.5), re.tpot.quantile(0.99), nv.tpot.quantile(0.99), re.ttft.quantile(0.5),
                nv.ttft.quantile(0.5));
    EXPECT_EQ(re.requests_in, nv.requests_in);
    // The drift adds the simulator's extra seconds (tens of µs on these EP8 steps of ~2–3 ms) to the test model's
    // ~13 ms decode steps: TPOT's percentiles barely move. Each decode step is shorter with re-placement; the decode
    // unit steps through all 30 minutes either way, so the comparison is per step, not of the busy time.
    EXPECT_LE(re.tpot.quantile(0.5), nv.tpot.quantile(0.5));
    std::printf("decode busy %.3f | %.3f s over %lld | %lld steps\n", re.decode_busy_s, nv.decode_busy_s,
                (long long)re.decode_steps, (long long)nv.decode_steps);
    EXPECT_LT(re.decode_busy_s / double(re.decode_steps), nv.decode_busy_s / double(nv.decode_steps));
    EXPECT_LT(re.prefill_busy_s, nv.prefill_busy_s);
    // The series carries each period's busiest/mean and factor (the period's middle).
    ASSERT_EQ(re.series.size(), 6u);
    for (std::size_t i = 0; i < re.series.size(); ++i) {
        EXPECT_DOUBLE_EQ(re.series[i].decode_expert_busiest_over_mean, e.decode.drift.busiest_over_mean[i]);
        EXPECT_DOUBLE_EQ(re.series[i].decode_step_factor, e.decode.drift.factor_at(int(i), 32));
        EXPECT_DOUBLE_EQ(re.series[i].prefill_step_factor, e.prefill.drift.factor_at(int(i), 4096));
    }
    fs::remove_all(cache);
}

TEST(DriftBuild, CachedAndDeterministic) {
    const Scenario s = drift_scenario();
    const fs::path a = fresh_dir("det_a"), b = fresh_dir("det_b");
    const Built x = build(s, a), y = build(s, b), z = build(s, a);
    EXPECT_FALSE(x.decode.from_cache);
    EXPECT_FALSE(y.decode.from_cache);
    EXPECT_TRUE(z.decode.from_cache);
    EXPECT_TRUE(z.prefill.from_cache);
    EXPECT_EQ(x.decode.drift.excess_s, y.decode.drift.excess_s);
    EXPECT_EQ(x.decode.drift.excess_s, z.decode.drift.excess_s);
    EXPECT_EQ(x.prefill.drift.excess_s, z.prefill.drift.excess_s);
    EXPECT_EQ(x.decode.drift.ref_step_s, z.decode.drift.ref_step_s);
    EXPECT_EQ(x.decode.file.filename(), y.decode.file.filename());
    // Same scenario and seed: byte-identical series.
    std::string sx, sz;
    replay_with(s, x, &sx);
    replay_with(s, z, &sz);
    EXPECT_EQ(sx, sz);
    // Another seed: other loads, another key.
    Scenario t    = s;
    t.seed        = 8;
    const Built w = build(t, a);
    EXPECT_FALSE(w.decode.from_cache);
    EXPECT_NE(w.decode.file, x.decode.file);
    fs::remove_all(a);
    fs::remove_all(b);
}

TEST(DriftBuild, EachPoolDriftsThroughItsOwnRuns) {
    Scenario s             = drift_scenario();
    ExpertDriftConfig& c   = s.serving->expert_drift;
    const std::string data = std::string(MOETWIN_SOURCE_DIR) + "/scenarios/data/expert_load/";
    const Scenario d = unit_of(s, Phase::Decode), p = unit_of(s, Phase::Prefill);
    const auto generated_d     = drift_runs(d, c);
    const auto generated_p     = drift_runs(p, c);
    c.decode_loads             = {data + "decode_in1000out1000.json", data + "prefill_in2048.json"};
    const auto own_d           = drift_runs(d, c);
    const auto still_generated = drift_runs(p, c);
    // Default: both pools the same runs (here routing's, reseeded 3 times); decode_loads moves decode only.
    ASSERT_EQ(generated_d.size(), 3u);
    EXPECT_EQ(generated_d[0].tokens, generated_p[0].tokens);
    ASSERT_EQ(own_d.size(), 2u);
    EXPECT_NE(own_d[0].tokens, generated_d[0].tokens);
    EXPECT_NE(own_d[0].tokens, own_d[1].tokens);
    ASSERT_EQ(still_generated.size(), 3u);
    EXPECT_EQ(still_generated[2].tokens, generated_p[2].tokens);
    // `loads` for both, prefill_loads for prefill only.
    c.loads         = c.decode_loads;
    c.decode_loads  = {};
    c.prefill_loads = {data + "prefill_in2048.json", data + "decode_in1000out1000.json"};
    EXPECT_EQ(drift_runs(d, c)[0].tokens, own_d[0].tokens);
    EXPECT_EQ(drift_runs(p, c)[0].tokens, own_d[1].tokens);
}

TEST(DriftBuild, RefusesPoliciesItCannotRefit) {
    Scenario s        = drift_scenario();
    s.balancer.policy = "file";
    EXPECT_THROW(drift_place_fn(unit_of(s, Phase::Decode)), ConfigError);
}

// The approximation: the reference batches' extra seconds added to every shape. Measured at shapes across the grid's
// range with the most drifted interval's loads under the stale (never re-fitted) placement.
TEST(DriftBuild, ScaledStepTimesAgainstDirectSimulations) {
    Scenario s                          = drift_scenario();
    s.serving->expert_drift.rebalance_s = 0;
    const fs::path dir                  = fresh_dir("check");
    const Built n                       = build(s, dir);
    for (const DriftBuild* d : {&n.decode, &n.prefill}) {
        const bool decode   = d == &n.decode;
        const Scenario u    = unit_of(s, decode ? Phase::Decode : Phase::Prefill);
        const auto& f       = d->drift.excess_s;
        const std::size_t K = d->reference.batches.size();
        const std::size_t i = std::size_t(std::max_element(f.begin(), f.end()) - f.begin()) / K;
        const std::vector<StepShape> shapes =
            decode ? std::vector<StepShape>{{4, 512}, {16, 8192}, {64, 1024}, {128, 16384}}
                   : std::vector<StepShape>{{1024, 256}, {2048, 1024}, {4096, 512}, {4096, 2048.5}};
        const ExpertLoad loads = [&] {
            // The interval's loads, as build_step_drift mixed them.
            const ExpertDriftConfig& c = s.serving->expert_drift;
            return interval_loads(drift_runs(u, c), int(c.hours_per_run * 60), 5, 30, 8, u.seed)[i];
        }();
        const auto pts = simulate_drift_points(u, shapes, loads, d->plan.placements[0], dir / "pts", 2);
        std::printf("%s: interval %zu, reference context %g, batches", decode ? "decode" : "prefill", i,
                    d->reference.context);
        for (std::size_t k = 0; k < K; ++k)
            std::printf(" %g (%+.6f s)", d->reference.batches[k], f[i * K + k]);
        std::printf("\n");
        double worst = 0;
        for (const DriftCheckPoint& p : pts) {
            const double dx  = d->drift.excess_at(int(i), p.shape.batch_per_rank);
            const double err = std::abs((p.base_s + dx) / p.drifted_s - 1);
            worst            = std::max(worst, err);
            std::printf("%s (%g, %g): base %.6f s, drifted %.6f s, ratio %.4f vs base + delta %.6f s: error %.2f %%\n",
                        decode ? "decode" : "prefill", p.shape.batch_per_rank, p.shape.context_tokens, p.base_s,
                        p.drifted_s, p.drifted_s / p.base_s, p.base_s + dx, 100 * err);
        }
        // Measured (sim/serving/drift/README.md): base + Δ is within 2.4 % of the direct simulation here (decode at
        // 64 requests: the one-layer unit's routing-sample noise, Δ 15 µs direct against 44–119 µs at the
        // references; the production units: drift_check, within 1.7 % decode and 2.4 % prefill at its shapes).
        EXPECT_LT(worst, 0.03);
    }
    fs::remove_all(dir);
}

} // namespace
} // namespace moetwin::serving
