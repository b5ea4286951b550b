// SPDX-License-Identifier: Apache-2.0
// CPU references, hand-computed: BF16 GEMM (row-major Linear, [k, n] weights, strided batch), FP8 GEMM
// with 1×128 / 128×128 block scales and with tensor scales, grouped GEMM in both layouts, the SwiGLU MLP,
// and the boundary checks cuBLASLt needs.
#include "engine/kernels/ffn.hpp"
#include "engine/kernels/grouped_gemm.hpp"
#include "engine/kernels/quantize_fp8.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

namespace moetwin::kernels {
namespace {

template <class F> std::string error_of(F&& f) {
    try {
        f();
    } catch (const std::invalid_argument& e) {
        return e.what();
    }
    return "";
}

// k must be a multiple of 8 for the 16-byte leading-dimension rule; these use k = 8.
TEST(RefGemm, Bf16LinearLayer) {
    // X [2, 8] = rows (1..8) and (1, 0, ...); W [3, 8]: row n = e_n (unit vectors) -> D[m][n] = X[m][n].
    std::vector<float> xf(16, 0.0f), wf(24, 0.0f);
    for (int c = 0; c < 8; ++c)
        xf[size_t(c)] = float(c + 1);
    xf[8] = 1.0f;
    for (int n = 0; n < 3; ++n)
        wf[size_t(n * 8 + n)] = 1.0f;
    wf[2 * 8 + 7] = 0.5f; // D[m][2] = X[m][2] + 0.5·X[m][7]
    const auto x = to_bf16(xf), w = to_bf16(wf);
    alignas(16) bf16_t d[2 * 8] = {};
    GemmParams p;
    p.m = 2, p.n = 3, p.k = 8, p.x = x.data(), p.w = w.data(), p.d = d, p.ldd = 8;
    gemm_ref(p);
    EXPECT_EQ(to_float(d[0]), 1.0f);
    EXPECT_EQ(to_float(d[1]), 2.0f);
    EXPECT_EQ(to_float(d[2]), 3.0f + 4.0f);
    EXPECT_EQ(to_float(d[8]), 1.0f);
    EXPECT_EQ(to_float(d[10]), 0.0f);
}

TEST(RefGemm, BatchedWithKnWeightsLikeMlaAbsorption) {
    // batch 2, m 1, k 8, n 8: W_b stored [k, n] = (b + 1)·I, X_b = (1..8): D_b = (b + 1)·X_b; F32 output.
    std::vector<float> wf(2 * 64, 0.0f), xf(16);
    for (int b = 0; b < 2; ++b)
        for (int i = 0; i < 8; ++i)
            wf[size_t(b * 64 + i * 8 + i)] = float(b + 1), xf[size_t(b * 8 + i)] = float(i + 1);
    const auto w = to_bf16(wf), x = to_bf16(xf);
    std::vector<float> d(16);
    GemmParams p;
    p.m = 1, p.n = 8, p.k = 8, p.batch = 2, p.x = x.data(), p.batch_stride_x = 8;
    p.w = w.data(), p.w_layout = WeightLayout::KN, p.batch_stride_w = 64;
    p.d = d.data(), p.d_dtype = GemmOut::F32, p.batch_stride_d = 8;
    gemm_ref(p);
    EXPECT_EQ(d[3], 4.0f);
    EXPECT_EQ(d[8 + 3], 8.0f);
}

TEST(RefGemm, Fp8BlockScalesDequantiseExactly) {
    // X [1, 256]: 1.0 in tile 0, 2.0 in tile 1. W [144, 256]: 0.5, except row block 1 (rows 128..143,
    // a partial 128-row block) = 0.25.
    std::vector<float> xf(256), wf(144 * 256, 0.5f);
    for (int c = 0; c < 256; ++c)
        xf[size_t(c)] = c < 128 ? 1.0f : 2.0f;
    for (int r = 128; r < 144; ++r)
        for (int c = 0; c < 256; ++c)
            wf[size_t(r * 256 + c)] = 0.25f;
    std::vector<fp8_e4m3_t> xq(256), wq(wf.size());
    std::vector<float> xs(2), ws(size_t(weight_scale_count(144, 256)));
    quantize_rows_fp8(xf.data(), 1, 256, xq.data(), xs.data());
    quantize_weight_fp8(wf.data(), 144, 256, wq.data(), ws.data());
    std::vector<bf16_t> d(144);
    GemmParams p;
    p.m = 1, p.n = 144, p.k = 256, p.dtype = GemmDtype::Fp8E4m3;
    p.x = xq.data(), p.x_scales = xs.data(), p.w = wq.data(), p.w_scales = ws.data(), p.d = d.data();
    gemm_ref(p);
    EXPECT_EQ(to_float(d[0]), 192.0f);  // 128·1·0.5 + 128·2·0.5
    EXPECT_EQ(to_float(d[143]), 96.0f); // 128·1·0.25 + 128·2·0.25
}

TEST(RefGemm, Fp8TensorScales) {
    std::vector<fp8_e4m3_t> xq(16, to_fp8_e4m3(1.0f));
    const float xs = 3.0f, ws = 0.5f;
    std::vector<fp8_e4m3_t> wq16(16 * 16, to_fp8_e4m3(2.0f));
    alignas(16) bf16_t d[16] = {};
    GemmParams p;
    p.m = 1, p.n = 16, p.k = 16, p.dtype = GemmDtype::Fp8E4m3, p.scaling = Fp8Scaling::Tensor;
    p.x = xq.data(), p.x_scales = &xs, p.w = wq16.data(), p.w_scales = &ws, p.d = d;
    gemm_ref(p);
    EXPECT_EQ(to_float(d[0]), 48.0f); // 16 · (1·3) · (2·0.5)
}

TEST(RefGemm, BoundaryChecks) {
    alignas(16) static bf16_t buf[4096];
    GemmParams p;
    p.m = 2, p.n = 8, p.k = 8, p.x = buf, p.w = buf, p.d = buf;
    EXPECT_EQ(error_of([&] { validate(p); }), "");
    GemmParams q = p;
    q.x          = buf + 1;
    EXPECT_EQ(error_of([&] { validate(q); }), "gemm: x, w and d must be 16-byte aligned");
    q = p, q.k = 4;
    EXPECT_EQ(error_of([&] { validate(q); }), "gemm: leading dimensions must be multiples of 16 bytes");
    q = p, q.n = 16, q.k = 16, q.dtype = GemmDtype::Fp8E4m3, q.w_layout = WeightLayout::KN;
    q.x_scales = q.w_scales = reinterpret_cast<float*>(buf);
    EXPECT_EQ(error_of([&] { validate(q); }), "gemm: FP8 needs W as [n, k] (cuBLASLt FP8 supports TN only)");
    q.w_layout = WeightLayout::NK, q.k = 64;
    EXPECT_EQ(error_of([&] { validate(q); }), "gemm: k = 64: must be a multiple of 128 with 1x128/128x128 scaling");
    q = p, q.ldd = 4;
    EXPECT_EQ(error_of([&] { validate(q); }), "gemm: ldd = 4: must be >= n");
}

TEST(RefGroupedGemm, ContiguousAndMaskedRunTheirGroups) {
    // 2 experts, n = 8, k = 8, BF16. Expert g's weight = (g + 1)·I. Rows: contiguous offsets {0, 1, 3}.
    std::vector<float> wf(2 * 64, 0.0f), xf(3 * 8, 1.0f);
    for (int g = 0; g < 2; ++g)
        for (int i = 0; i < 8; ++i)
            wf[size_t(g * 64 + i * 8 + i)] = float(g + 1);
    const auto w = to_bf16(wf), x = to_bf16(xf);
    std::vector<bf16_t> d(3 * 8);
    const std::vector<int64_t> offsets{0, 1, 3};
    GroupedGemmParams p;
    p.num_groups = 2, p.n = 8, p.k = 8, p.dtype = GemmDtype::Bf16, p.group_offsets = offsets.data();
    p.x = x.data(), p.w = w.data(), p.d = d.data();
    grouped_gemm_ref(p);
    EXPECT_EQ(to_float(d[0]), 1.0f); // row 0: expert 0
    EXPECT_EQ(to_float(d[8]), 2.0f); // rows 1-2: expert 1
    EXPECT_EQ(to_float(d[16]), 2.0f);
    EXPECT_EQ(p.total_rows(), 3);
    // Masked: max_m = 2 rows per expert (4 rows), every row computed.
    std::vector<bf16_t> x4 = to_bf16(std::vector<float>(4 * 8, 1.0f)), d4(4 * 8);
    p.layout = ExpertLayout::Masked, p.max_m = 2, p.x = x4.data(), p.d = d4.data();
    grouped_gemm_ref(p);
    EXPECT_EQ(to_float(d4[8]), 1.0f);
    EXPECT_EQ(to_float(d4[16]), 2.0f);
    // FP8: group g's activation scales start at offsets[g]·(k/128) (tile-major per segment).
    GroupedGemmParams f = p;
    f.layout = ExpertLayout::Contiguous, f.k = 512, f.dtype = GemmDtype::Fp8E4m3;
    f.x_scales = reinterpret_cast<const float*>(64), f.w_scales = reinterpret_cast<const float*>(64);
    const GemmParams g1 = group_gemm(f, 1);
    EXPECT_EQ(g1.m, 2);
    EXPECT_EQ(g1.x_scales, f.x_scales + 1 * 4);
    EXPECT_EQ(g1.w_scales, f.w_scales + weight_scale_count(8, 512));
    const std::vector<int64_t> bad{0, 2, 1};
    p.layout = ExpertLayout::Contiguous, p.group_offsets = bad.data();
    EXPECT_EQ(error_of([&] { validate(p); }), "grouped_gemm: group_offsets must be non-decreasing (group 1)");
}

TEST(RefFfn, SharedExpertAgainstANaiveMlp) {
    // hidden 128, inter 128, BF16, one row: out = W_down · (silu(W_g·x) ⊙ (W_u·x)), computed here directly.
    const int H = 128, I = 128;
    std::vector<float> xf(H), wgu(2 * I * H), wd(H * I);
    for (int i = 0; i < H; ++i)
        xf[size_t(i)] = std::sin(0.1f * float(i));
    for (size_t i = 0; i < wgu.size(); ++i)
        wgu[i] = std::cos(0.37f * float(i)) / 16;
    for (size_t i = 0; i < wd.size(); ++i)
        wd[i] = std::sin(0.23f * float(i)) / 16;
    const auto x = to_bf16(xf), w1 = to_bf16(wgu), w2 = to_bf16(wd);
    std::vector<bf16_t> gu(2 * I), act(I), out(H);
    FfnParams p;
    p.num_rows = 1, p.hidden = H, p.inter = I, p.dtype = GemmDtype::Bf16;
    p.x = x.data(), p.w_gate_up = w1.data(), p.w_down = w2.data(), p.gate_up = gu.data(), p.act = act.data();
    p.out = out.data();
    ffn_ref(p);
    std::vector<double> h(I);
    for (int i = 0; i < I; ++i) {
        double g = 0, u = 0;
        for (int c = 0; c < H; ++c) {
            g += double(to_float(x[size_t(c)])) * to_float(w1[size_t(i * H + c)]);
            u += double(to_float(x[size_t(c)])) * to_float(w1[size_t((I + i) * H + c)]);
        }
        g = round_bf16(float(g)), u = round_bf16(float(u)); // the GEMM writes BF16
        h[size_t(i)] = round_bf16(float(g / (1 + std::exp(-g)) * u));
    }
    double err = 0, ref = 0;
    for (int o = 0; o < H; ++o) {
        double y = 0;
        for (int i = 0; i < I; ++i)
            y += h[size_t(i)] * to_float(w2[size_t(o * I + i)]);
        err += (to_float(out[size_t(o)]) - y) * (to_float(out[size_t(o)]) - y);
        ref += y * y;
    }
    EXPECT_LT(err / ref, 1e-5); // only the final BF16 rounding and summation order differ
}

} // namespace
} // namespace moetwin::kernels
