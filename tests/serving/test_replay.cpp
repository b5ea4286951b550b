// SPDX-License-Identifier: Apache-2.0
// The serving replay on hand-computed cases (affine test step model) and its invariants.
#include "serving_test_support.hpp"

#include <gtest/gtest.h>

#include <numeric>

namespace moetwin::serving {
namespace {
using namespace test;

TEST(Replay, OneRequestHandComputed) {
    const AffineTestStepModel pre(0.1, 0.001, 0), dec(0.01, 0.001, 1e-5);
    ReplayInputs in = tiny_inputs(pre, dec);
    VectorSource src({req(0, 100, 3)});
    CollectSink sink;
    const ReplaySummary s = replay(in, src, sink);
    ASSERT_EQ(sink.records.size(), 1u);
    const RequestRecord& r = sink.records[0];
    // Prefill: one step of 100 tokens, 0.1 + 0.001·100 = 0.2 s. Transfer: 100 tokens × 1000 B / 1e6 B/s = 0.1 s.
    // Decode: 2 tokens left, no MTP: steps at batch 1 and KV 101 then 102: 0.011 + 1.01e-3, 0.011 + 1.02e-3.
    EXPECT_DOUBLE_EQ(r.ttft_s, 0.2);
    const double decode_s = (0.011 + 101e-5) + (0.011 + 102e-5);
    EXPECT_NEAR(r.e2e_s, 0.3 + decode_s, 1e-12);
    EXPECT_NEAR(r.tpot_s, (0.1 + decode_s) / 2, 1e-12);
    EXPECT_EQ(s.completed, 1);
    EXPECT_EQ(s.unfinished, 0);
    EXPECT_EQ(s.prefill_steps, 1);
    EXPECT_EQ(s.decode_steps, 2);
    EXPECT_EQ(s.slo_met, 1);
    // KV per output token (Day-6's 4,989 figure): 3 outputs × (100 input + 3 / 2) = 304.5 token-attentions.
    EXPECT_DOUBLE_EQ(s.kv_token_products, 304.5);
}

TEST(Replay, PrefillMicroBatchSplitsARequest) {
    const AffineTestStepModel pre(0.1, 0.001, 0), dec(0.01, 0, 0);
    ReplayInputs in = tiny_inputs(pre, dec);
    VectorSource src({req(0, 200, 1), req(0, 120, 1)}); // budget 150 tokens per step
    CollectSink sink;
    replay(in, src, sink);
    ASSERT_EQ(sink.records.size(), 2u);
    // The idle unit starts at the first arrival: 150 of the first (0.25 s); then its last 50 with 100 of the
    // second (0.25 s); then the second's last 20 (0.12 s).
    EXPECT_DOUBLE_EQ(sink.records[0].ttft_s, 0.5);
    EXPECT_DOUBLE_EQ(sink.records[1].ttft_s, 0.62);
    EXPECT_DOUBLE_EQ(sink.records[1].e2e_s, 0.62); // one output token: done at its prefill
}

TEST(Replay, DecodeBatchStepsTogetherAndWaitsForKv) {
    const AffineTestStepModel pre(0.1, 0, 0), dec(0.01, 0.001, 0);
    ReplayInputs in                       = tiny_inputs(pre, dec);
    in.decode.kv_capacity_tokens_per_rank = 250; // room for one request of 100 + 101 only
    VectorSource src({req(0, 100, 101), req(0, 100, 101)});
    CollectSink sink;
    const ReplaySummary s = replay(in, src, sink);
    ASSERT_EQ(sink.records.size(), 2u);
    // Both prefills share one step (0.1 s); the first decodes 100 steps of 0.011 s after a 0.1 s transfer.
    EXPECT_DOUBLE_EQ(sink.records[0].ttft_s, 0.1);
    EXPECT_NEAR(sink.records[0].e2e_s, 0.2 + 100 * 0.011, 1e-9);
    // The second waits for the first's KV, transfers (0.1 s, its NIC free by then) and decodes alone.
    EXPECT_NEAR(sink.records[1].e2e_s, 0.2 + 100 * 0.011 + 0.1 + 100 * 0.011, 1e-9);
    EXPECT_TRUE(sink.records[1].waited_for_kv);
    EXPECT_EQ(s.waited_for_kv, 1);
    EXPECT_LE(s.max_kv_reserved_tokens, 250);
}

TEST(Replay, PrefixHitsSkipCompute) {
    const AffineTestStepModel pre(0.1, 0.001, 0), dec(0.01, 0, 0);
    ReplayInputs in                           = tiny_inputs(pre, dec);
    in.config.prefix_cache.enabled            = true;
    in.config.prefix_cache.capacity_bytes     = 1e9;
    in.config.prefix_cache.read_bandwidth_Bps = 1e6;
    // Blocks of 32 tokens: the second request shares the first's 3 blocks, then 1 of its own.
    VectorSource src({req(0, 100, 1, {1, 2, 3}), req(10, 140, 1, {1, 2, 3, 7})}, 32);
    CollectSink sink;
    const ReplaySummary s = replay(in, src, sink);
    ASSERT_EQ(sink.records.size(), 2u);
    EXPECT_EQ(sink.records[0].hit_tokens, 0);
    EXPECT_EQ(sink.records[1].hit_tokens, 96);
    // Fetch 96 × 1000 B at 1 MB/s = 0.096 s, then 44 tokens computed: 0.1 + 0.044 s.
    EXPECT_NEAR(sink.records[1].ttft_s, 0.096 + 0.144, 1e-12);
    EXPECT_EQ(s.hit_tokens, 96);
}

// Many requests on a small cluster: every request in is completed or still in flight at the end, KV never
// exceeds a rank's capacity, hits never exceed the input, token totals match the records.
TEST(Replay, InvariantsUnderLoad) {
    const AffineTestStepModel pre(0.05, 2e-5, 1e-7), dec(0.02, 1e-4, 1e-7);
    ReplayInputs in                       = tiny_inputs(pre, dec);
    in.prefill.dp_ranks                   = 4;
    in.decode.dp_ranks                    = 8;
    in.decode.kv_capacity_tokens_per_rank = 20000;
    in.config.max_batch_per_rank          = 16;
    in.config.prefill_tokens_per_rank     = 4096;
    in.config.duration_s                  = 600;
    in.config.prefill.schedule            = {{0, 1}, {200, 2}, {400, 1}};
    in.config.decode.schedule             = {{0, 2}, {300, 1}};
    in.config.decode.join_delay_s         = 30;
    in.config.prefix_cache                = {true, 64 * 1000.0 * 200, 1e9};
    in.mtp                                = {1, 0.85};
    std::vector<OwnedRequest> v;
    Rng rng(7);
    double t = 0;
    for (int i = 0; i < 20000; ++i) {
        t += 0.03 * -std::log(1 - rng.uniform());
        const int64_t input = 1 + int64_t(rng.uniform() * 3000), output = 1 + int64_t(rng.uniform() * 600);
        std::vector<uint64_t> blocks;
        const uint64_t tenant = rng.next() % 5;
        for (int64_t b = 0; b < input / 64; ++b)
            blocks.push_back(b < 4 ? tenant * 100 + uint64_t(b) : rng.next());
        v.push_back(req(t, input, output, blocks));
    }
    VectorSource src(v, 64);
    CollectSink sink;
    const ReplaySummary s = replay(in, src, sink);
    EXPECT_GT(s.requests_in, 15000);
    EXPECT_EQ(s.requests_in, s.completed + s.unfinished);
    EXPECT_EQ(int64_t(sink.records.size()), s.completed);
    EXPECT_GT(s.waited_for_kv, 0);
    EXPECT_LE(s.max_kv_reserved_tokens, in.decode.kv_capacity_tokens_per_rank);
    int64_t out = 0, hit = 0;
    double kv = 0;
    for (const RequestRecord& r : sink.records) {
        kv += double(r.output_tokens) * (double(r.input_tokens) + 0.5 * double(r.output_tokens));
        EXPECT_LE(r.hit_tokens, r.input_tokens - 1);
        EXPECT_GE(r.e2e_s, r.ttft_s);
        EXPECT_EQ(r.input_tokens, v[std::size_t(r.id)].r.input_tokens);
        out += r.output_tokens;
        hit += r.hit_tokens;
    }
    EXPECT_EQ(out, s.output_tokens);
    EXPECT_EQ(hit, s.hit_tokens);
    EXPECT_NEAR(s.kv_token_products, kv, 1e-12 * kv);
    EXPECT_GT(s.hit_tokens, 0);
    // Paid nodes: prefill 1 node 0-200 s, 2 from 200 s, the second draining from 400 s; decode 2 then 1.
    EXPECT_GE(s.prefill_node_s, 800 - 1e-9);
    EXPECT_GE(s.decode_node_s, 900 - 1e-9);
    EXPECT_EQ(s.series.size(), 1u); // one 10-minute row
}

TEST(Replay, ColocatedChunkedPrefill) {
    const AffineTestStepModel pre(0.05, 0.001, 0), dec(0.01, 0.001, 0);
    ReplayInputs in        = tiny_inputs(pre, dec);
    in.config.mode         = ServingMode::Colocated;
    in.config.chunk_tokens = 60;
    VectorSource src({req(0, 100, 3)});
    CollectSink sink;
    replay(in, src, sink);
    ASSERT_EQ(sink.records.size(), 1u);
    // Chunks of 60 and 40 tokens (0.11 s, 0.09 s) with an empty batch; then 2 decode steps of 0.011 s.
    EXPECT_NEAR(sink.records[0].ttft_s, 0.2, 1e-12);
    EXPECT_NEAR(sink.records[0].e2e_s, 0.222, 1e-12);
}

TEST(Mtp, StepsDrawExactAndNormal) {
    Rng rng(3);
    EXPECT_EQ(draw_decode_steps(10, {0, 0.9}, rng), 10);
    const MtpLaw law{1, 0.85};
    EXPECT_NEAR(law.mean_accepted(), 0.85, 1e-15);
    EXPECT_NEAR(law.variance_accepted(), 0.85 * 0.15, 1e-15);
    double small = 0, large = 0;
    for (int i = 0; i < 20000; ++i) {
        small += double(draw_decode_steps(40, law, rng));
        large += double(draw_decode_steps(4000, law, rng));
    }
    // Mean steps ≈ m / 1.85 (renewal; + ~0.5 overshoot correction for the exact small case).
    EXPECT_NEAR(small / 20000, 40 / 1.85 + 0.5, 0.3);
    EXPECT_NEAR(large / 20000, 4000 / 1.85, 1.0);
}

// TEST MODEL: the affine model that also records every shape it is asked for.
class RecordingStepModel : public StepTimeModel {
  public:
    explicit RecordingStepModel(double base_s) : base_s_(base_s) {}
    double step_s(const StepShape& s) const override {
        shapes.push_back(s);
        return base_s_ + 0.001 * s.batch_per_rank;
    }
    mutable std::vector<StepShape> shapes;

  private:
    double base_s_;
};

TEST(Replay, PrefillStepsPassTheirCachedKeys) {
    // The second request's 96 hit tokens are not computed; its 44 new tokens attend to them and to the new
    // ones before them: context 96 + 45 / 2, and 96 cached keys for 44 new tokens.
    const RecordingStepModel pre(0.1);
    const AffineTestStepModel dec(0.01, 0, 0);
    ReplayInputs in                   = tiny_inputs(pre, dec);
    in.config.prefix_cache            = {true, 1e9, 1e6};
    in.config.prefill_tokens_per_rank = 60; // the first prompt split over two steps: its first 60 are cached keys
    VectorSource src({req(0, 100, 1, {1, 2, 3}), req(10, 140, 1, {1, 2, 3, 7})}, 32);
    CollectSink sink;
    replay(in, src, sink);
    ASSERT_EQ(pre.shapes.size(), 3u);
    EXPECT_EQ(pre.shapes[0].batch_per_rank, 60);
    EXPECT_EQ(pre.shapes[0].cached_per_token, 0);
    EXPECT_EQ(pre.shapes[0].context_tokens, 30.5);
    EXPECT_EQ(pre.shapes[1].batch_per_rank, 40);
    EXPECT_EQ(pre.shapes[1].cached_per_token, 1.5); // the first 60 tokens, per new token
    EXPECT_EQ(pre.shapes[1].context_tokens, 60 + 41.0 / 2);
    EXPECT_EQ(pre.shapes[2].batch_per_rank, 44);
    EXPECT_EQ(pre.shapes[2].cached_per_token, 96.0 / 44);
    EXPECT_EQ(pre.shapes[2].context_tokens, 96 + 45.0 / 2);
    ASSERT_EQ(sink.records.size(), 2u);
    EXPECT_EQ(sink.records[1].hit_tokens, 96);
}

} // namespace
} // namespace moetwin::serving
