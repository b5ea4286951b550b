// SPDX-License-Identifier: Apache-2.0
// serving.kv_policy "preempt_recompute" (sim/serving/replay.cpp, "preemption"): a hand-computed replay whose
// KV capacity forces exactly one preemption, tokens conserved, determinism, colocated mode, and the default
// "reserve" never preempting.
#include "common/errors.hpp"
#include "common/rng.hpp"
#include "serving_test_support.hpp"
#include "sim/scenario.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>

namespace moetwin::serving {
namespace {
using namespace test;

TEST(Preemption, CapacityForcesExactlyOneHandComputed) {
    const AffineTestStepModel pre(0.1, 0, 0), dec(0.011, 0, 0);
    ReplayInputs in                       = tiny_inputs(pre, dec);
    in.config.kv_policy                   = KvPolicy::PreemptRecompute;
    in.config.prefill_tokens_per_rank     = 200;
    in.decode.kv_capacity_tokens_per_rank = 250;
    in.prefill.nic_Bps                    = 8e5; // 100 tokens of 1000 B: 0.125 s
    VectorSource src({req(0, 100, 101), req(0, 100, 101)});
    CollectSink sink;
    const ReplaySummary s = replay(in, src, sink);
    ASSERT_EQ(sink.records.size(), 2u);
    // A's prefill step starts at its arrival (0-0.1 s), B's follows (0.1-0.2 s). Both are admitted on the KV
    // they join with (101 each, 202 <= 250). A's KV crosses the NIC 0.1-0.225 s, B's 0.225-0.35 s.
    // A decodes from 0.225 s, steps of 0.011 s, KV 101 + k at step k; B joins at step 12 (0.357 s), KV
    // 89 + k. Before step k both need 192 + 2 (k + 1) - 2 = 192 + 2k by its end: 250 at k = 29, 252 at k = 30:
    // B (the later admitted) is preempted at step 30 (0.555 s) with 30 - 12 = 18 tokens decoded.
    // It recomputes 100 + 1 + 18 = 119 tokens (0.555-0.655 s), then waits: A's KV at the end of the next step
    // (102 + k) beside B's 119 exceeds 250 until A completes after step 99 (1.325 s). B's 118 tokens of KV
    // cross the NIC in 0.1475 s and it decodes its last 101 - 1 - 18 = 82 tokens from 1.4725 s.
    const RequestRecord& a = sink.records[0];
    const RequestRecord& b = sink.records[1];
    EXPECT_EQ(a.id, 0);
    EXPECT_EQ(a.preemptions, 0);
    EXPECT_NEAR(a.ttft_s, 0.1, 1e-12);
    EXPECT_NEAR(a.e2e_s, 0.225 + 100 * 0.011, 1e-9);
    EXPECT_EQ(b.id, 1);
    EXPECT_EQ(b.preemptions, 1);
    EXPECT_TRUE(b.waited_for_kv);
    EXPECT_NEAR(b.ttft_s, 0.2, 1e-12); // its first token, before the preemption
    EXPECT_NEAR(b.e2e_s, 0.225 + 100 * 0.011 + 0.1475 + 82 * 0.011, 1e-9);
    EXPECT_NEAR(b.tpot_s, (b.e2e_s - 0.2) / 100, 1e-12);
    EXPECT_EQ(s.preemptions, 1);
    EXPECT_EQ(s.preempted_requests, 1);
    EXPECT_EQ(s.recomputed_tokens, 119);
    EXPECT_EQ(s.prefill_steps, 3);
    EXPECT_EQ(s.decode_steps, 100 + 82);
    EXPECT_EQ(s.max_kv_reserved_tokens, 250); // before step 29: 192 + 58
    EXPECT_EQ(s.output_tokens, 202);
    ASSERT_EQ(s.series.size(), 6u);
    EXPECT_EQ(s.series[0].preemptions, 1);

    // The default policy, same inputs: nothing preempted; B waits for A's whole KV (201 + 201 > 250).
    in.config.kv_policy = KvPolicy::Reserve;
    VectorSource again({req(0, 100, 101), req(0, 100, 101)});
    CollectSink reserve_sink;
    const ReplaySummary r = replay(in, again, reserve_sink);
    EXPECT_EQ(r.preemptions, 0);
    EXPECT_EQ(r.recomputed_tokens, 0);
    ASSERT_EQ(reserve_sink.records.size(), 2u);
    EXPECT_EQ(reserve_sink.records[1].preemptions, 0);
    EXPECT_NEAR(reserve_sink.records[0].e2e_s, 0.225 + 100 * 0.011, 1e-9);
}

std::vector<OwnedRequest> load(int n, uint64_t seed) {
    std::vector<OwnedRequest> v;
    Rng rng(seed);
    double t = 0;
    for (int i = 0; i < n; ++i) {
        t += 0.02 * -std::log(1 - rng.uniform());
        v.push_back(req(t, 1 + int64_t(rng.uniform() * 2000), 1 + int64_t(rng.uniform() * 1500)));
    }
    return v;
}

ReplayInputs loaded_inputs(const StepTimeModel& pre, const StepTimeModel& dec) {
    ReplayInputs in                       = tiny_inputs(pre, dec);
    in.config.kv_policy                   = KvPolicy::PreemptRecompute;
    in.prefill.dp_ranks                   = 2;
    in.decode.dp_ranks                    = 8;
    in.decode.kv_capacity_tokens_per_rank = 6000;
    in.config.max_batch_per_rank          = 32;
    in.config.prefill_tokens_per_rank     = 4096;
    in.config.duration_s                  = 20000;     // long enough for every request to complete
    in.mtp                                = {1, 0.85}; // fractional tokens per step: produced = floor
    return in;
}

// Every request completes with its own output length (the tokens before and after its preemptions add up),
// KV never exceeds the capacity, and the same inputs give the same records.
TEST(Preemption, TokensConservedAndDeterministic) {
    const AffineTestStepModel pre(0.05, 2e-5, 1e-7), dec(0.02, 1e-4, 1e-7);
    const std::vector<OwnedRequest> v = load(3000, 11);
    const auto run                    = [&](CollectSink& sink) {
        VectorSource src(v);
        return replay(loaded_inputs(pre, dec), src, sink);
    };
    CollectSink one, two;
    const ReplaySummary s = run(one), s2 = run(two);
    EXPECT_EQ(s.requests_in, 3000);
    EXPECT_EQ(s.completed, 3000);
    EXPECT_GT(s.preemptions, 10);
    EXPECT_GE(s.preemptions, s.preempted_requests);
    EXPECT_LE(s.max_kv_reserved_tokens, 6000);
    int64_t preempted = 0, in_tokens = 0, out_tokens = 0;
    for (const RequestRecord& r : one.records) {
        const Request& src = v[std::size_t(r.id)].r;
        EXPECT_EQ(r.output_tokens, src.output_tokens);
        EXPECT_EQ(r.input_tokens, src.input_tokens);
        EXPECT_GE(r.e2e_s, r.ttft_s);
        EXPECT_GE(r.tpot_s, 0);
        preempted += r.preemptions;
        in_tokens += r.input_tokens;
        out_tokens += r.output_tokens;
    }
    EXPECT_EQ(preempted, s.preemptions);
    EXPECT_EQ(out_tokens, s.output_tokens);
    EXPECT_EQ(in_tokens, s.input_tokens);
    int64_t series_preemptions = 0;
    for (const SeriesRow& row : s.series)
        series_preemptions += row.preemptions;
    EXPECT_EQ(series_preemptions, s.preemptions);
    // Determinism: record for record.
    ASSERT_EQ(one.records.size(), two.records.size());
    for (std::size_t i = 0; i < one.records.size(); ++i) {
        EXPECT_EQ(one.records[i].id, two.records[i].id);
        EXPECT_EQ(one.records[i].e2e_s, two.records[i].e2e_s);
        EXPECT_EQ(one.records[i].preemptions, two.records[i].preemptions);
    }
    EXPECT_EQ(s2.preemptions, s.preemptions);
    EXPECT_EQ(s2.decode_steps, s.decode_steps);
}

TEST(Preemption, ColocatedRecomputesOnItsRank) {
    const AffineTestStepModel pre(0.05, 2e-5, 1e-7), dec(0.02, 1e-4, 1e-7);
    ReplayInputs in                   = loaded_inputs(pre, dec);
    in.config.mode                    = ServingMode::Colocated;
    in.config.chunk_tokens            = 512;
    const std::vector<OwnedRequest> v = load(1500, 5);
    VectorSource src(v);
    CollectSink sink;
    const ReplaySummary s = replay(in, src, sink);
    EXPECT_EQ(s.completed, 1500);
    EXPECT_GT(s.preemptions, 0);
    EXPECT_LE(s.max_kv_reserved_tokens, 6000);
    for (const RequestRecord& r : sink.records)
        EXPECT_EQ(r.output_tokens, v[std::size_t(r.id)].r.output_tokens);
}

TEST(Preemption, KvPolicyKeyParsesRoundTripsAndIsStrict) {
    nlohmann::json j =
        nlohmann::json::parse(std::ifstream(std::string(MOETWIN_SOURCE_DIR) + "/scenarios/tiny_serve_2node.json"));
    EXPECT_EQ(parse_scenario(j.dump(), "t.json").serving->kv_policy, KvPolicy::Reserve); // the default
    j["serving"]["kv_policy"] = "preempt_recompute";
    const Scenario s          = parse_scenario(j.dump(), "t.json");
    EXPECT_EQ(s.serving->kv_policy, KvPolicy::PreemptRecompute);
    const std::string once = scenario_to_json(s);
    EXPECT_EQ(nlohmann::json::parse(once)["serving"]["kv_policy"], "preempt_recompute");
    EXPECT_EQ(scenario_to_json(parse_scenario(once, "canonical.json")), once);
    j["serving"]["kv_policy"] = "swap";
    try {
        (void)parse_scenario(j.dump(), "t.json");
        ADD_FAILURE() << "no error";
    } catch (const ConfigError& e) {
        EXPECT_THAT(e.what(), ::testing::HasSubstr("t.json"));
        EXPECT_THAT(e.what(), ::testing::HasSubstr("serving.kv_policy"));
        EXPECT_THAT(e.what(), ::testing::HasSubstr("preempt_recompute"));
    }
}

} // namespace
} // namespace moetwin::serving
