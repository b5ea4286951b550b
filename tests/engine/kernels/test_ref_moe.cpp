// SPDX-License-Identifier: Apache-2.0
// CPU references, hand-computed: the DeepSeek-V3 gate on a crafted score matrix (group top-2 sums, the
// bias changing the choice but not the weights, ties), its invariants at V3's dimensions, and the token
// permutation / weighted combine in both layouts.
#include "engine/kernels/moe_gate.hpp"
#include "engine/kernels/moe_permute.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <set>
#include <vector>

namespace moetwin::kernels {
namespace {

float logit(double s) {
    return float(std::log(s / (1 - s)));
} // sigmoid⁻¹

// 16 experts in 4 groups of 4; sigmoid scores:
//   G0 [0.9 0.2 0.1 0.1]  top-2 sum 1.1, max 0.9
//   G1 [0.7 0.7 0.1 0.1]  top-2 sum 1.4, max 0.7
//   G2 [0.95 0.1 0.1 0.1] top-2 sum 1.05, max 0.95
//   G3 [0.5 0.5 0.5 0.1]  top-2 sum 1.0, max 0.5
std::vector<float> crafted_logits() {
    const double s[16] = {0.9, 0.2, 0.1, 0.1, 0.7, 0.7, 0.1, 0.1, 0.95, 0.1, 0.1, 0.1, 0.5, 0.5, 0.5, 0.1};
    std::vector<float> l(16);
    for (int e = 0; e < 16; ++e)
        l[size_t(e)] = logit(s[e]);
    return l;
}

struct GateOut {
    std::vector<int32_t> ids;
    std::vector<float> w;
};

GateOut gate(const std::vector<float>& logits, const float* bias, int64_t E, int64_t G, int64_t kg, int64_t k) {
    GateOut o{std::vector<int32_t>(size_t(logits.size() / size_t(E) * size_t(k))), {}};
    o.w.resize(o.ids.size());
    MoeGateParams p;
    p.num_tokens = int64_t(logits.size()) / E, p.num_experts = E, p.num_groups = G, p.topk_groups = kg, p.top_k = k;
    p.logits = logits.data(), p.bias = bias, p.topk_ids = o.ids.data(), p.topk_weights = o.w.data();
    moe_gate_ref(p);
    return o;
}

TEST(RefMoeGate, WithBiasGroupsRankByTopTwoSum) {
    // Zero bias: top-2 sums pick G1 (1.4) and G0 (1.1); top-3 of them: 0 (0.9), then 4 and 5 tie at 0.7 -> lower first.
    const std::vector<float> zero(16, 0.0f);
    const GateOut o = gate(crafted_logits(), zero.data(), 16, 4, 2, 3);
    EXPECT_EQ(o.ids, (std::vector<int32_t>{0, 4, 5}));
    const double sum = 0.9 + 0.7 + 0.7; // weights: unbiased scores normalised, ×2.5
    EXPECT_NEAR(o.w[0], 0.9 / sum * 2.5, 1e-6);
    EXPECT_NEAR(o.w[1], 0.7 / sum * 2.5, 1e-6);
    EXPECT_NEAR(o.w[2], 0.7 / sum * 2.5, 1e-6);
}

TEST(RefMoeGate, WithoutBiasGroupsRankByMax) {
    // No bias (DeepSeek-V2 style): group maxima pick G2 (0.95) and G0 (0.9): experts 8, 0, 1.
    const GateOut o = gate(crafted_logits(), nullptr, 16, 4, 2, 3);
    EXPECT_EQ(o.ids, (std::vector<int32_t>{8, 0, 1}));
    const double sum = 0.95 + 0.9 + 0.2;
    EXPECT_NEAR(o.w[0], 0.95 / sum * 2.5, 1e-6);
    EXPECT_NEAR(o.w[2], 0.2 / sum * 2.5, 1e-6);
}

TEST(RefMoeGate, BiasSelectsButDoesNotWeigh) {
    // +1 on expert 11 (score 0.1): G2's top-2 sum becomes 1.1 + 0.95 = 2.05 (first), G1 1.4 second;
    // selection by biased score: 11 (1.1), 8 (0.95), 4 (0.7); weights from the unbiased 0.1, 0.95, 0.7.
    std::vector<float> bias(16, 0.0f);
    bias[11]        = 1.0f;
    const GateOut o = gate(crafted_logits(), bias.data(), 16, 4, 2, 3);
    EXPECT_EQ(o.ids, (std::vector<int32_t>{11, 8, 4}));
    EXPECT_NEAR(o.w[0], 0.1 / 1.75 * 2.5, 1e-6);
    EXPECT_NEAR(o.w[1], 0.95 / 1.75 * 2.5, 1e-6);
    EXPECT_NEAR(o.w[2], 1.0, 1e-6);
}

TEST(RefMoeGate, InvariantsAtDeepSeekV3Dimensions) {
    std::mt19937 rng(7);
    std::normal_distribution<float> n(0.0f, 1.0f);
    std::vector<float> logits(64 * 256), bias(256);
    for (float& v : logits)
        v = n(rng);
    for (float& v : bias)
        v = 0.1f * n(rng);
    const GateOut o = gate(logits, bias.data(), 256, 8, 4, 8);
    for (int t = 0; t < 64; ++t) {
        std::set<int32_t> ids, groups;
        double wsum = 0, prev = 1e9;
        for (int k = 0; k < 8; ++k) {
            const int32_t e = o.ids[size_t(t * 8 + k)];
            ids.insert(e);
            groups.insert(e / 32);
            wsum += o.w[size_t(t * 8 + k)];
            const double sel = 1 / (1 + std::exp(-double(logits[size_t(t * 256 + e)]))) + bias[size_t(e)];
            EXPECT_LE(sel, prev + 1e-6) << "ordered by biased score";
            prev = sel;
        }
        EXPECT_EQ(ids.size(), 8u);
        EXPECT_LE(groups.size(), 4u); // node-limited routing: at most 4 groups
        EXPECT_NEAR(wsum, 2.5, 1e-5);
    }
}

TEST(RefMoeGate, BoundaryChecks) {
    MoeGateParams p;
    p.num_tokens = 1;
    p.logits = reinterpret_cast<const float*>(16), p.topk_ids = reinterpret_cast<int32_t*>(16);
    p.topk_weights = reinterpret_cast<float*>(16);
    EXPECT_NO_THROW(validate(p));
    p.num_groups = 7;
    EXPECT_THROW(validate(p), std::invalid_argument);
    p.num_groups = 8, p.top_k = 200;
    EXPECT_THROW(validate(p), std::invalid_argument);
}

// 3 tokens, top_k 2, 4 global experts, this GPU holds experts 0 and 3 as local 0 and expert 2 as local 1.
struct PermuteCase {
    std::vector<bf16_t> x =
        to_bf16(std::vector<float>{1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3});
    std::vector<int32_t> ids{2, 0, 0, 1, 3, 2};
    std::vector<int32_t> map{0, -1, 1, 0};
    std::vector<bf16_t> x_perm  = std::vector<bf16_t>(8 * 8);
    std::vector<int32_t> counts = std::vector<int32_t>(2), offsets = std::vector<int32_t>(3),
                         slots = std::vector<int32_t>(6);
    MoePermuteParams params(ExpertLayout layout) {
        MoePermuteParams p;
        p.num_tokens = 3, p.hidden = 8, p.top_k = 2, p.num_experts = 4, p.num_local_experts = 2, p.layout = layout;
        p.max_tokens_per_expert = 2;
        p.x = x.data(), p.topk_ids = ids.data(), p.expert_map = map.data(), p.x_perm = x_perm.data();
        p.expert_counts = counts.data(), p.expert_offsets = offsets.data(), p.slot_rows = slots.data();
        return p;
    }
};

TEST(RefMoePermute, ContiguousGroupsByExpertInTokenOrder) {
    PermuteCase c;
    moe_permute_ref(c.params(ExpertLayout::Contiguous));
    // local of entries (t,k): [1, 0 | 0, - | 0, 1] -> expert 0 gets entries 1, 2, 4; expert 1 gets 0, 5.
    EXPECT_EQ(c.counts, (std::vector<int32_t>{3, 2}));
    EXPECT_EQ(c.offsets, (std::vector<int32_t>{0, 3, 5}));
    EXPECT_EQ(c.slots, (std::vector<int32_t>{3, 0, 1, -1, 2, 4}));
    const float row_value[5] = {1, 2, 3, 1, 3}; // tokens of rows 0..4
    for (int r = 0; r < 5; ++r)
        EXPECT_EQ(to_float(c.x_perm[size_t(r * 8 + 7)]), row_value[r]) << r;
}

TEST(RefMoePermute, MaskedDropsBeyondCapacity) {
    PermuteCase c;
    moe_permute_ref(c.params(ExpertLayout::Masked));
    EXPECT_EQ(c.counts, (std::vector<int32_t>{3, 2})); // counts before dropping
    EXPECT_EQ(c.slots, (std::vector<int32_t>{2, 0, 1, -1, -1, 3}));
}

TEST(RefMoeUnpermute, WeightedCombinePlusResidual) {
    // y rows: row r holds the value r + 1. Token 0 takes rows 3 (w 0.5) and 0 (w 0.25) plus residual 10.
    std::vector<bf16_t> y(5 * 8);
    for (int r = 0; r < 5; ++r)
        for (int c = 0; c < 8; ++c)
            y[size_t(r * 8 + c)] = to_bf16(float(r + 1));
    const std::vector<int32_t> slots{3, 0, 1, -1, 2, 4};
    const std::vector<float> w{0.5f, 0.25f, 2.0f, 100.0f, 1.0f, 1.0f};
    const std::vector<bf16_t> residual(3 * 8, to_bf16(10.0f));
    std::vector<bf16_t> out(3 * 8);
    MoeUnpermuteParams p;
    p.num_tokens = 3, p.hidden = 8, p.top_k = 2, p.y_perm = y.data(), p.slot_rows = slots.data();
    p.topk_weights = w.data(), p.residual = residual.data(), p.out = out.data();
    moe_unpermute_ref(p);
    EXPECT_EQ(to_float(out[0]), 10.0f + 0.5f * 4 + 0.25f * 1);
    EXPECT_EQ(to_float(out[8]), 10.0f + 2.0f * 2); // slot -1 ignored
    EXPECT_EQ(to_float(out[16]), 10.0f + 3 + 5);
}

} // namespace
} // namespace moetwin::kernels
