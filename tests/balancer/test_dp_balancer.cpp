// SPDX-License-Identifier: Apache-2.0
// Prefill and decode DP balancers against their round-robin baselines.
#include "common/rng.hpp"
#include "sim/balancer/dp_balancer.hpp"

#include "common/errors.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

namespace moetwin::balancer {
namespace {

TEST(DpBalancer, CoreAttentionPairs) {
    EXPECT_DOUBLE_EQ(core_attention_pairs({4, 0}), 10);    // 1 + 2 + 3 + 4
    EXPECT_DOUBLE_EQ(core_attention_pairs({2, 100}), 203); // 101 + 102
}

std::vector<PrefillRequest> prefill_batch(std::uint64_t seed, int n) {
    Rng rng(seed);
    std::vector<PrefillRequest> out(n);
    for (auto& r : out) {
        r.input_tokens  = std::llround(1024 * std::exp(rng.normal())) + 1;
        r.cached_tokens = std::llround(r.input_tokens * rng.uniform());
    }
    return out;
}

TEST(DpBalancer, PrefillBalancedBeatsRoundRobin) {
    for (std::uint64_t seed = 1; seed <= 5; ++seed) {
        const auto batch   = prefill_batch(seed, 256);
        const DpBalance rr = prefill_balance(batch, prefill_dp_round_robin(batch, 16), 16);
        const DpBalance lb = prefill_balance(batch, prefill_dp_balanced(batch, 16), 16);
        EXPECT_LT(lb.attention_or_kv_ratio, rr.attention_or_kv_ratio);
        EXPECT_LT(lb.tokens_or_count_ratio, rr.tokens_or_count_ratio);
        // Near the bound set by the largest request (heavy-tailed lengths make it > 1 at times).
        double work = 0, tokens = 0, max_work = 0, max_tokens = 0;
        for (const auto& r : batch) {
            work += core_attention_pairs(r), tokens += static_cast<double>(r.input_tokens);
            max_work   = std::max(max_work, core_attention_pairs(r));
            max_tokens = std::max(max_tokens, static_cast<double>(r.input_tokens));
        }
        EXPECT_LT(lb.attention_or_kv_ratio, 1.2 * std::max(1.0, max_work / (work / 16)));
        EXPECT_LT(lb.tokens_or_count_ratio, 1.2 * std::max(1.0, max_tokens / (tokens / 16)));
    }
}

TEST(DpBalancer, DecodeBalancedBeatsRoundRobinOnUnevenGpus) {
    Rng rng(7);
    std::vector<DecodeGpuState> gpus(16);
    for (int g = 0; g < 16; ++g)
        gpus[g] = {(g % 4) * 20000LL, 10 + g % 3 * 5};
    std::vector<DecodeRequest> arrivals(400);
    for (auto& a : arrivals)
        a.kv_tokens = std::llround(2048 * std::exp(rng.normal())) + 1;
    const DpBalance rr = decode_balance(arrivals, gpus, decode_dp_round_robin(arrivals, gpus));
    const DpBalance lb = decode_balance(arrivals, gpus, decode_dp_balanced(arrivals, gpus));
    EXPECT_LT(lb.attention_or_kv_ratio, rr.attention_or_kv_ratio);
    EXPECT_LT(lb.tokens_or_count_ratio, 1.2);
    EXPECT_LT(lb.attention_or_kv_ratio, 1.2);
}

TEST(DpBalancer, PoliciesAreListedAndChecked) {
    EXPECT_EQ(prefill_dp_policies().size(), 2u);
    EXPECT_EQ(decode_dp_policies().front().name, "round_robin");
    const std::vector<PrefillRequest> batch{{10, 0}, {20, 0}};
    EXPECT_THROW(prefill_balance(batch, std::vector<int>{0}, 2), ConfigError);
    EXPECT_THROW(prefill_balance(batch, std::vector<int>{0, 5}, 2), ConfigError);
}

} // namespace
} // namespace moetwin::balancer
