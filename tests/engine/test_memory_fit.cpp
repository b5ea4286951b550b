// SPDX-License-Identifier: Apache-2.0
// Memory fit of DeepSeek-V3 on H800 (79.1 GiB reported, 95 % usable = 80,695,954,636 B, 2 GiB reserve):
// one node does not fit, two nodes do, the production decode unit does with the KV capacity computed
// by hand below, and a too-large batch is refused with the largest one that fits.
#include "engine/memory_fit.hpp"

#include "common/errors.hpp"
#include "engine/model_spec.hpp"

#include <gtest/gtest.h>

#include <sstream>

namespace moetwin {
namespace {

// Per-GPU weights of DeepSeek-V3 in FP8 (128×128 block scales), by hand:
//   embedding, head   129280 · 7168 · 2 B                                    = 1,853,358,080 each (BF16)
//   attention         61 · (q_a 11,012,736 + q_b 37,757,952 + kv_a 4,129,888
//                           + kv_b 16,781,312 + o 117,469,184)              = 11,416,215,392
//   norms             (61 · 16384 + 7168) · 2 B                              = 2,013,184
//   dense FFN         3 · (gate_up 264,305,664 + down 132,152,832)          = 1,189,375,488
//   gate              58 · (256 · 7168 · 2 + 256 · 4 fp32 bias)               = 212,920,320
//   one expert        gate_up 29,367,296 + down 14,683,648                   = 44,050,944 → × 58 layers
constexpr int64_t kNonRouted = int64_t{1'853'358'080} * 2 + 11'416'215'392 + 2'013'184 + 1'189'375'488 + 212'920'320 +
                               int64_t{58} * 44'050'944; // + the shared expert
constexpr int64_t kExpertAllLayers = int64_t{58} * 44'050'944;
constexpr int64_t kUsable          = 80'695'954'636; // floor(84,943,110,144 × 0.95)

FitInput unit(int num_gpus, int routed_per_gpu) {
    FitInput in;
    in.num_gpus = in.ep_size = in.dp_size = num_gpus;
    in.routed_experts_per_gpu             = routed_per_gpu;
    return in;
}

TEST(MemoryFit, OneH800NodeCannotServeDeepSeekV3) {
    const FitReport r = fit_memory(unit(8, 32)); // EP8: 256 / 8 = 32 routed experts per GPU
    EXPECT_EQ(r.hbm_bytes, 84'943'110'144);
    EXPECT_EQ(r.usable_bytes, kUsable);
    EXPECT_EQ(r.weight_bytes, kNonRouted + 32 * kExpertAllLayers);
    EXPECT_NEAR(double(r.weight_bytes) / 1e9, 100.84, 0.01); // ≈ 100 GB of weights vs 79.1 GiB of HBM
    EXPECT_GT(r.weight_bytes, r.hbm_bytes);
    EXPECT_FALSE(r.fits);
    EXPECT_EQ(r.max_batch, 0);
    EXPECT_EQ(r.kv_capacity_tokens, 0);
    EXPECT_NE(r.reason.find("before any KV cache"), std::string::npos) << r.reason;
}

TEST(MemoryFit, TwoH800NodesServeDeepSeekV3) {
    FitInput in         = unit(16, 16); // EP16: 16 routed experts per GPU
    in.requests_per_gpu = 32;
    const FitReport r   = fit_memory(in);
    EXPECT_EQ(r.weight_bytes, kNonRouted + 16 * kExpertAllLayers); // 59,961,471,328 B = 55.84 GiB
    EXPECT_EQ(r.weight_bytes, 59'961'471'328);
    EXPECT_TRUE(r.fits) << r.reason;
    // Largest decode batch at 4096 context, by hand at 60 requests: weights + low-latency buffer
    // (256 slots · 60 tokens · 14,352 B · 4 + 2,048 + 128 = 881,789,056) + activations (16·16·60 rows
    // · 26,624 B + 60 · 12,288 shared + 60 · 28,672 residual = 411,402,240) + 2 GiB + KV
    // 60 · 4096 · 70,272 = 80,672,192,992 B ≤ 80,695,954,636; one more request adds 287,834,112 B.
    EXPECT_EQ(r.max_batch, 60);
    in.requests_per_gpu = 128;
    EXPECT_FALSE(fit_memory(in).fits);
}

TEST(MemoryFit, ProductionDecodeUnitFitsWithHandComputedKvCapacity) {
    const FitReport r = fit_memory(FitInput{}); // EP144, 2 routed + 1 shared per GPU, 128 × 4096 tokens
    EXPECT_EQ(r.weight_bytes, kNonRouted + 2 * kExpertAllLayers); // 24,192,104,800 B = 22.53 GiB
    EXPECT_EQ(r.weight_bytes_by_role[size_t(WeightRole::RoutedExpert)], 2 * kExpertAllLayers);
    EXPECT_EQ(r.weight_bytes_by_role[size_t(WeightRole::Attention)], 11'416'215'392);
    // Low-latency buffer: 288 slots × 128 tokens × 14,352 B, send + recv, double-buffered ≈ 2.1 GB (ref §5.2).
    EXPECT_EQ(r.comm_buffer_bytes, 2'116'290'944);
    // Activations: residual 2·128·7168·2 = 3,670,016 + the MoE working set, the largest:
    // 2 · 144 · 128 = 36,864 rows × (3·2048 + 7168) · 2 B = 981,467,136, + shared 128·3·2048·2 = 1,572,864.
    EXPECT_EQ(r.activation_bytes, 3'670'016 + 981'467'136 + 1'572'864);
    // KV capacity: 80,695,954,636 − 24,192,104,800 − 2,116,290,944 − 986,710,016 − 2,147,483,648
    //            = 51,253,365,228 B → / 70,272 = 729,356 tokens → / (4096 · 70,272) = 178 requests.
    EXPECT_EQ(r.kv_bytes_per_token, 70'272);
    EXPECT_EQ(r.kv_capacity_tokens, 729'356);
    EXPECT_EQ(r.kv_capacity_requests, 178);
    EXPECT_EQ(r.kv_bytes, 128LL * 4096 * 70'272); // 34.31 GiB
    EXPECT_EQ(r.free_bytes, 51'253'365'228 - 36'842'766'336);
    EXPECT_TRUE(r.fits) << r.reason;
}

// Dynamic redundancy (issue 16): 4 experts hosted per GPU, 2 active. Weights count the 4 hosted
// experts (2 more × 58 layers × 44,050,944 B = 5,109,909,504 B); the low-latency buffer and the
// activations still follow the 288 active slots, so only weights and KV capacity change.
TEST(MemoryFit, HostedExpertsCountInTheWeightsOnly) {
    FitInput in;
    in.hosted_experts_per_gpu = 4;
    const FitReport r         = fit_memory(in);
    const FitReport plain     = fit_memory(FitInput{});
    EXPECT_EQ(r.weight_bytes_by_role[size_t(WeightRole::RoutedExpert)], 4 * kExpertAllLayers);
    EXPECT_EQ(r.weight_bytes - plain.weight_bytes, 2 * kExpertAllLayers);
    EXPECT_EQ(r.comm_buffer_bytes, plain.comm_buffer_bytes);
    EXPECT_EQ(r.activation_bytes, plain.activation_bytes);
    // 51,253,365,228 − 5,109,909,504 = 46,143,455,724 B → / 70,272 = 656,640 tokens → 160 requests.
    EXPECT_EQ(r.kv_capacity_tokens, 656'640);
    EXPECT_EQ(r.kv_capacity_requests, 160);
}

TEST(MemoryFit, TooLargeBatchReportsTheLargestThatFits) {
    FitInput in         = FitInput{};
    in.requests_per_gpu = 1000;
    const FitReport r   = fit_memory(in);
    EXPECT_FALSE(r.fits);
    // At 174 requests the buffer and activations grow with the batch (low-latency buffer sized to 174
    // tokens: 2,876,832,128 B; activations 1,341,308,928 B) and the total is 80,640,864,992 B ≤ usable;
    // 175 requests add 287,834,112 B of KV and no longer fit.
    EXPECT_EQ(r.max_batch, 174);
    EXPECT_NE(r.reason.find("174 requests"), std::string::npos) << r.reason;
    in.requests_per_gpu = 174;
    EXPECT_TRUE(fit_memory(in).fits);
    in.requests_per_gpu = 175;
    EXPECT_FALSE(fit_memory(in).fits);
    // A fixed low-latency buffer caps the batch on its own.
    in.requests_per_gpu                = 129;
    in.ll_max_dispatch_tokens_per_rank = 128;
    const FitReport capped             = fit_memory(in);
    EXPECT_FALSE(capped.fits);
    EXPECT_EQ(capped.max_batch, 128);
    EXPECT_NE(capped.reason.find("ll_max_dispatch_tokens_per_rank"), std::string::npos) << capped.reason;
}

TEST(MemoryFit, PrefillUnitUsesNormalModeBuffers) {
    FitInput in       = unit(32, 9); // Day-6 prefill: EP32, 9 routed (8 + 1 redundant) per GPU
    in.phase          = Phase::Prefill;
    const FitReport r = fit_memory(in);
    EXPECT_EQ(r.comm_buffer_bytes, 453'210'240 + 221'579'008); // see test_deepep_buffers.cpp
    EXPECT_EQ(r.kv_bytes, 16384LL * 70'272);
    EXPECT_TRUE(r.fits) << r.reason;
    EXPECT_GT(r.max_batch, in.tokens_per_gpu);
}

TEST(MemoryFit, TensorParallelismAndMtp) {
    FitInput q;
    q.model    = "qwen3_235b_a22b";
    q.num_gpus = q.ep_size   = 16;
    q.dp_size                = 4;
    q.tp_size                = 4;
    q.routed_experts_per_gpu = 8;
    q.shared_experts_per_gpu = 0;
    EXPECT_EQ(fit_memory(q).kv_bytes_per_token, 94 * 2 * 1 * 128 * 2); // 4 KV heads over TP4
    FitInput d        = FitInput{};
    d.serve_mtp       = true;
    const FitReport r = fit_memory(d);
    EXPECT_EQ(r.kv_bytes_per_token, 62 * 1152); // the MTP layer has its own KV
    EXPECT_GT(r.weight_bytes_by_role[size_t(WeightRole::Mtp)], 0);
}

TEST(MemoryFit, InconsistentInputsAreConfigErrors) {
    EXPECT_THROW(fit_memory(unit(144, 1)), ConfigError); // 144 slots < 256 routed experts
    FitInput in = FitInput{};
    in.dp_size  = 72;
    EXPECT_THROW(fit_memory(in), ConfigError); // 72 × 1 != 144
    in       = FitInput{};
    in.model = "qwen3_235b_a22b"; // no shared expert, default asks for one per GPU
    EXPECT_THROW(fit_memory(in), ConfigError);
    in       = FitInput{};
    in.model = "gpt5";
    EXPECT_THROW(fit_memory(in), ConfigError);
}

TEST(MemoryFit, PrintsEveryCategoryInGiBAndGB) {
    std::ostringstream out;
    print_fit_report(out, fit_memory(FitInput{}));
    for (const char* s : {"GiB", "GB", "weights: routed_expert", "comm buffers", "activations", "reserve", "KV cache",
                          "free", "fits: 128 requests", "max batch per GPU: 174 requests", "729356 tokens"})
        EXPECT_NE(out.str().find(s), std::string::npos) << s << "\n" << out.str();
    std::ostringstream input;
    input << FitInput{};
    EXPECT_NE(input.str().find("ep_size=144"), std::string::npos);
}

} // namespace
} // namespace moetwin
