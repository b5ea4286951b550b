// SPDX-License-Identifier: Apache-2.0
// CPU references of MLA core attention against hand-computed cases and a naive softmax(q·kᵀ)·v written
// here independently: causal masks with a cached prefix, variable lengths, the paged latent cache with a
// permuted block table, MTP's two query tokens, and split planning.
#include "engine/kernels/mla_decode.hpp"
#include "engine/kernels/mla_prefill.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace moetwin::kernels {
namespace {

constexpr int kQk = MlaPrefillParams::kHeadDimQk, kKv = 256, kV = 128, kRope = 64;

struct Prefill {
    std::vector<int32_t> cu_q, cu_kv;
    std::vector<bf16_t> q, kv, k_rope, out;
    std::vector<float> lse;
    MlaPrefillParams p;
    Prefill(std::vector<int32_t> q_lens, std::vector<int32_t> kv_lens, int heads) {
        cu_q = {0}, cu_kv = {0};
        for (size_t b = 0; b < q_lens.size(); ++b)
            cu_q.push_back(cu_q.back() + q_lens[b]), cu_kv.push_back(cu_kv.back() + kv_lens[b]);
        q.resize(size_t(cu_q.back() * heads * kQk));
        kv.resize(size_t(cu_kv.back() * heads * kKv));
        k_rope.resize(size_t(cu_kv.back() * kRope));
        out.resize(size_t(cu_q.back() * heads * kV));
        lse.resize(size_t(cu_q.back() * heads));
        p.batch = int64_t(q_lens.size()), p.num_heads = heads, p.total_q = cu_q.back(), p.total_kv = cu_kv.back();
        p.max_seqlen_q = *std::max_element(q_lens.begin(), q_lens.end());
        p.cu_seqlens_q = cu_q.data(), p.cu_seqlens_kv = cu_kv.data();
        p.q = q.data(), p.kv = kv.data(), p.k_rope = k_rope.data(), p.out = out.data(), p.lse = lse.data();
        p.softmax_scale = 1.0f;
    }
    bf16_t& v(int tok, int h, int d) { return kv[size_t((tok * p.num_heads + h) * kKv + 128 + d)]; }
    float o(int tok, int h, int d) const { return to_float(out[size_t((tok * p.num_heads + h) * kV + d)]); }
};

TEST(RefMlaPrefill, UniformScoresAverageTheVisibleValues) {
    // One request, q_len 2, kv_len 3 (one cached token): q = 0 -> equal scores. Query 0 sits at position 1
    // and sees v0, v1; query 1 sees v0..v2. v_j = 3j (dim 0).
    Prefill t({2}, {3}, 1);
    for (int j = 0; j < 3; ++j)
        t.v(j, 0, 0) = to_bf16(3.0f * float(j));
    mla_prefill_ref(t.p);
    EXPECT_EQ(t.o(0, 0, 0), 1.5f);
    EXPECT_EQ(t.o(1, 0, 0), 3.0f);
    EXPECT_NEAR(t.lse[0], std::log(2.0), 1e-6);
    EXPECT_NEAR(t.lse[1], std::log(3.0), 1e-6);
    t.p.causal = false; // every query sees every key
    mla_prefill_ref(t.p);
    EXPECT_EQ(t.o(0, 0, 0), 3.0f);
}

TEST(RefMlaPrefill, ScoresFromNopeAndRopeParts) {
    // Scale ln 2. q_nope[0] = 1 and k_nope_j[0] = j give scores j·ln2 -> weights 1 : 2 : 4 over v = 0, 7, 14:
    // (0 + 14 + 56) / 7 = 10. The same through the shared rope key (q_rope[0] = 1, k_rope_j[0] = j).
    for (const bool rope : {false, true}) {
        Prefill t({1}, {3}, 2);
        t.p.softmax_scale = float(std::log(2.0));
        for (int h = 0; h < 2; ++h) {
            t.q[size_t(h * kQk + (rope ? 128 : 0))] = to_bf16(1.0f);
            for (int j = 0; j < 3; ++j) {
                if (rope)
                    t.k_rope[size_t(j * kRope)] = to_bf16(float(j));
                else
                    t.kv[size_t((j * 2 + h) * kKv)] = to_bf16(float(j));
                t.v(j, h, 5) = to_bf16(7.0f * float(j));
            }
        }
        mla_prefill_ref(t.p);
        EXPECT_EQ(t.o(0, 0, 5), 10.0f) << "rope " << rope;
        EXPECT_EQ(t.o(0, 1, 5), 10.0f) << "rope " << rope;
        EXPECT_NEAR(t.lse[0], std::log(7.0), 1e-6); // log(1 + 2 + 4)
    }
}

TEST(RefMlaPrefill, VariableLengthsAgainstANaiveFormula) {
    Prefill t({3, 1, 4}, {5, 1, 4}, 2);
    std::mt19937 rng(3);
    std::uniform_real_distribution<float> u(-1, 1);
    for (auto* buf : {&t.q, &t.kv, &t.k_rope})
        for (bf16_t& x : *buf)
            x = to_bf16(u(rng));
    t.p.softmax_scale = 0.125f;
    mla_prefill_ref(t.p);
    // Naive: for every (request, query, head) the softmax over keys j <= kv_len - q_len + i.
    for (int b = 0; b < 3; ++b)
        for (int i = 0; i < t.cu_q[b + 1] - t.cu_q[b]; ++i)
            for (int h = 0; h < 2; ++h) {
                const int tok = t.cu_q[b] + i, q_len = t.cu_q[b + 1] - t.cu_q[b], kv_len = t.cu_kv[b + 1] - t.cu_kv[b];
                std::vector<double> w;
                for (int j = 0; j <= kv_len - q_len + i; ++j) {
                    const int key = t.cu_kv[b] + j;
                    double s      = 0;
                    for (int d = 0; d < 128; ++d)
                        s += to_float(t.q[size_t((tok * 2 + h) * kQk + d)]) *
                             to_float(t.kv[size_t((key * 2 + h) * kKv + d)]);
                    for (int d = 0; d < 64; ++d)
                        s += to_float(t.q[size_t((tok * 2 + h) * kQk + 128 + d)]) *
                             to_float(t.k_rope[size_t(key * kRope + d)]);
                    w.push_back(std::exp(0.125 * s));
                }
                double total = 0;
                for (double x : w)
                    total += x;
                for (int d = 0; d < kV; d += 17) {
                    double o = 0;
                    for (size_t j = 0; j < w.size(); ++j)
                        o += w[j] / total * to_float(t.v(t.cu_kv[b] + int(j), h, d));
                    EXPECT_NEAR(t.o(tok, h, d), o, 4e-3 * std::max(1.0, std::fabs(o))) << b << " " << i << " " << h;
                }
            }
}

TEST(RefMlaPrefill, BoundaryChecks) {
    Prefill t({2}, {1}, 1); // q_len > kv_len
    t.p.total_kv = 2;       // passes the host check, the reference checks the lengths
    EXPECT_THROW(mla_prefill_ref(t.p), std::invalid_argument);
    t.p.q_stride_head = 100;
    EXPECT_THROW(validate(t.p), std::invalid_argument);
}

struct Decode {
    std::vector<bf16_t> q, cache, out;
    std::vector<int32_t> table, seqlens;
    std::vector<float> lse;
    MlaDecodeParams p;
    Decode(int batch, int s_q, int heads, int pages_per_seq, int page) {
        q.resize(size_t(batch * s_q * heads * 576));
        cache.resize(size_t(batch * pages_per_seq * page * 576));
        out.resize(size_t(batch * s_q * heads * 512));
        lse.resize(size_t(batch * s_q * heads));
        table.resize(size_t(batch * pages_per_seq));
        for (size_t i = 0; i < table.size(); ++i)
            table[i] = int32_t(table.size() - 1 - i); // reversed pages
        seqlens.assign(size_t(batch), pages_per_seq * page);
        p.batch = batch, p.seqlen_q = s_q, p.num_heads = heads, p.q = q.data(), p.kv_cache = cache.data();
        p.num_blocks = int64_t(table.size()), p.page_size = page, p.block_table = table.data();
        p.max_blocks_per_seq = pages_per_seq, p.cache_seqlens = seqlens.data(), p.max_seqlen_kv = pages_per_seq * page;
        p.out = out.data(), p.lse = lse.data(), p.softmax_scale = 1.0f;
    }
    // Cache row of token j of request b (through the block table).
    bf16_t* key(int b, int j) {
        const int32_t page = table[size_t(b * p.max_blocks_per_seq + j / p.page_size)];
        return cache.data() + (int64_t(page) * p.page_size + j % p.page_size) * 576;
    }
};

TEST(RefMlaDecode, PagedCacheCausalMtp) {
    // 2 pages of 32 (stored in reverse order), seqlen 40, two query tokens: query 0 sees keys 0..38,
    // query 1 sees 0..39. q = 0 -> uniform weights; the value dim 0 of key j is j: means 19 and 19.5.
    Decode t(1, 2, 1, 2, 32);
    t.seqlens[0] = 40, t.p.max_seqlen_kv = 40;
    for (int j = 0; j < 64; ++j)
        t.key(0, j)[0] = to_bf16(float(j));
    mla_decode_ref(t.p);
    EXPECT_EQ(to_float(t.out[0]), 19.0f);
    EXPECT_EQ(to_float(t.out[512]), 19.5f);
    EXPECT_NEAR(t.lse[0], std::log(39.0), 1e-6);
    EXPECT_NEAR(t.lse[1], std::log(40.0), 1e-6);
}

TEST(RefMlaDecode, AgainstANaiveFormula) {
    Decode t(2, 1, 3, 2, 32);
    t.seqlens = {50, 17};
    std::mt19937 rng(5);
    std::uniform_real_distribution<float> u(-1, 1);
    for (auto* buf : {&t.q, &t.cache})
        for (bf16_t& x : *buf)
            x = to_bf16(u(rng));
    t.p.softmax_scale = 0.04f;
    mla_decode_ref(t.p);
    for (int b = 0; b < 2; ++b)
        for (int h = 0; h < 3; ++h) {
            std::vector<double> w;
            for (int j = 0; j < t.seqlens[size_t(b)]; ++j) {
                double s = 0;
                for (int d = 0; d < 576; ++d)
                    s += to_float(t.q[size_t((b * 3 + h) * 576 + d)]) * to_float(t.key(b, j)[d]);
                w.push_back(std::exp(0.04 * s));
            }
            double total = 0;
            for (double x : w)
                total += x;
            for (int d = 0; d < 512; d += 31) {
                double o = 0;
                for (size_t j = 0; j < w.size(); ++j)
                    o += w[j] / total * to_float(t.key(b, int(j))[d]);
                EXPECT_NEAR(to_float(t.out[size_t((b * 3 + h) * 512 + d)]), o, 4e-3 * std::max(1.0, std::fabs(o)));
            }
        }
}

TEST(RefMlaDecode, SplitPlanningAndChecks) {
    MlaDecodeParams p;
    p.batch = 1, p.seqlen_q = 1, p.num_heads = 128, p.max_seqlen_kv = 65536;
    EXPECT_EQ(mla_decode_heads_per_block(p), 16);
    EXPECT_EQ(mla_decode_plan_splits(p, 132), 33); // 8 head groups -> ceil(264 / 8) splits
    p.batch = 128;
    EXPECT_EQ(mla_decode_plan_splits(p, 132), 1); // 1024 blocks already fill the GPU
    p.batch = 1, p.max_seqlen_kv = 256;
    EXPECT_EQ(mla_decode_plan_splits(p, 132), 2); // 8 tiles: at least 4 per split
    p.seqlen_q = 2;
    EXPECT_EQ(mla_decode_heads_per_block(p), 8); // 2 × 8 warps
    p.num_splits = 4;
    EXPECT_EQ(mla_decode_workspace_bytes(p), size_t(1 * 2 * 128 * 4 * 513 * 4));
    Decode t(1, 1, 1, 1, 64);
    t.p.page_size = 48;
    EXPECT_THROW(validate(t.p), std::invalid_argument);
    t.p.page_size = 64, t.p.seqlen_q = 3;
    EXPECT_THROW(validate(t.p), std::invalid_argument);
    t.p.seqlen_q = 1, t.p.num_splits = 2; // no workspace
    EXPECT_THROW(validate(t.p), std::invalid_argument);
}

} // namespace
} // namespace moetwin::kernels
