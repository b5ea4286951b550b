// SPDX-License-Identifier: Apache-2.0
// [gpu] cuBLASLt GEMMs against the CPU reference at DeepSeek-V3 shapes (few rows, so the fp64 reference
// stays fast): BF16, fp32 router logits, the batched [k, n] absorption of MLA decode, FP8 with 1×128 /
// 128×128 block scales (including kv_a_proj's partial 576-row block) and with tensor scales, the grouped
// expert GEMM in both layouts, and the shared-expert MLP. Threshold: NMSE < 1e-4 on the BF16 output
// (accumulation order and one BF16 rounding). Perf lines compare FP8 with BF16 at the same shape.
#include "engine/kernels/ffn.cuh"
#include "engine/kernels/fill.cuh"
#include "engine/kernels/grouped_gemm.cuh"
#include "engine/kernels/quantize_fp8.hpp"
#include "gpu_test_util.hpp"

namespace moetwin::kernels {
namespace {

using namespace test;

struct Fp8Matrix {
    std::vector<fp8_e4m3_t> q;
    std::vector<float> s;
};
Fp8Matrix quantize_act(const std::vector<float>& x, int64_t rows, int64_t cols) {
    Fp8Matrix m{std::vector<fp8_e4m3_t>(size_t(rows * cols)), std::vector<float>(size_t(rows * cols / 128))};
    quantize_rows_fp8(x.data(), rows, cols, m.q.data(), m.s.data());
    return m;
}
Fp8Matrix quantize_w(const std::vector<float>& w, int64_t n, int64_t k, int64_t count = 1) {
    Fp8Matrix m{std::vector<fp8_e4m3_t>(size_t(count * n * k)),
                std::vector<float>(size_t(count * weight_scale_count(n, k)))};
    for (int64_t g = 0; g < count; ++g)
        quantize_weight_fp8(w.data() + g * n * k, n, k, m.q.data() + g * n * k,
                            m.s.data() + g * weight_scale_count(n, k));
    return m;
}

void check_bf16(int64_t m, int64_t n, int64_t k, GemmOut out) {
    auto rng     = rng_for_test();
    const auto x = uniform_bf16(rng, size_t(m * k), -1, 1), w = uniform_bf16(rng, size_t(n * k), -0.05f, 0.05f);
    const size_t ds = size_t(m * n) * (out == GemmOut::F32 ? 4 : 2);
    DeviceBuffer<bf16_t> dx(x), dw(w);
    DeviceBuffer<uint8_t> dd(ds);
    GemmParams p;
    p.m = m, p.n = n, p.k = k, p.x = dx.get(), p.w = dw.get(), p.d = dd.get(), p.d_dtype = out;
    GemmContext ctx;
    run_gemm(p, ctx, nullptr);
    CUDA_CHECK(cudaDeviceSynchronize());
    std::vector<uint8_t> ref(ds);
    GemmParams h = p;
    h.x = x.data(), h.w = w.data(), h.d = ref.data();
    gemm_ref(h);
    const auto got = dd.download();
    std::vector<float> g(size_t(m * n)), r(size_t(m * n));
    for (size_t i = 0; i < g.size(); ++i) {
        if (out == GemmOut::F32)
            g[i] = reinterpret_cast<const float*>(got.data())[i], r[i] = reinterpret_cast<const float*>(ref.data())[i];
        else
            g[i] = to_float(reinterpret_cast<const bf16_t*>(got.data())[i]),
            r[i] = to_float(reinterpret_cast<const bf16_t*>(ref.data())[i]);
    }
    EXPECT_LT(nmse(g, r), out == GemmOut::F32 ? 1e-8 : 1e-4) << p;
}

TEST(GpuGemm, Bf16MatchesReference) {
    MOETWIN_REQUIRE_GPU();
    check_bf16(16, 2112, 7168, GemmOut::Bf16); // fused q_a + kv_a
    check_bf16(16, 256, 7168, GemmOut::F32);   // router logits
    check_bf16(1, 7168, 2048, GemmOut::Bf16);  // one token through a shared-expert down projection
}

TEST(GpuGemm, BatchedAbsorptionMatchesReference) {
    MOETWIN_REQUIRE_GPU();
    // q_mla[:, h, 0:512] = q_nope[:, h]·W_UK[h] with the runner's strides (16 heads, 8 tokens).
    auto rng        = rng_for_test();
    const int64_t T = 8, H = 16;
    const auto q   = uniform_bf16(rng, size_t(T * H * 192), -1, 1),
               kvb = uniform_bf16(rng, size_t(H * 256 * 512), -0.1f, 0.1f);
    DeviceBuffer<bf16_t> dq(q), dk(kvb), dout(size_t(T * H * 576));
    dout.zero();
    GemmParams p;
    p.m = T, p.n = 512, p.k = 128, p.batch = H, p.x = dq.get(), p.ldx = H * 192, p.batch_stride_x = 192;
    p.w = dk.get(), p.w_layout = WeightLayout::KN, p.ldw = 512, p.batch_stride_w = 256 * 512;
    p.d = dout.get(), p.ldd = H * 576, p.batch_stride_d = 576;
    GemmContext ctx;
    run_gemm(p, ctx, nullptr);
    CUDA_CHECK(cudaDeviceSynchronize());
    std::vector<bf16_t> ref(size_t(T * H * 576));
    GemmParams h = p;
    h.x = q.data(), h.w = kvb.data(), h.d = ref.data();
    gemm_ref(h);
    EXPECT_LT(nmse(to_float(dout.download()), to_float(ref)), 1e-4) << p;
}

void check_fp8(int64_t m, int64_t n, int64_t k, Fp8Scaling scaling) {
    auto rng      = rng_for_test();
    const auto xf = uniform(rng, size_t(m * k), -2, 2), wf = uniform(rng, size_t(n * k), -0.05f, 0.05f);
    Fp8Matrix x = quantize_act(xf, m, k), w = quantize_w(wf, n, k);
    if (scaling == Fp8Scaling::Tensor) x.s = {x.s[0]}, w.s = {w.s[0]}; // one scale each (values still in range)
    DeviceBuffer<fp8_e4m3_t> dx(x.q), dw(w.q);
    DeviceBuffer<float> dxs(x.s), dws(w.s);
    const int64_t ldd = round_up(n, 8);
    DeviceBuffer<bf16_t> dd(size_t(m * ldd));
    GemmParams p;
    p.m = m, p.n = n, p.k = k, p.dtype = GemmDtype::Fp8E4m3, p.scaling = scaling, p.ldd = ldd;
    p.x = dx.get(), p.x_scales = dxs.get(), p.w = dw.get(), p.w_scales = dws.get(), p.d = dd.get();
    GemmContext ctx;
    run_gemm(p, ctx, nullptr);
    CUDA_CHECK(cudaDeviceSynchronize());
    std::vector<bf16_t> ref(size_t(m * ldd));
    GemmParams h = p;
    h.x = x.q.data(), h.x_scales = x.s.data(), h.w = w.q.data(), h.w_scales = w.s.data(), h.d = ref.data();
    gemm_ref(h);
    EXPECT_LT(nmse(to_float(dd.download()), to_float(ref)), 1e-4) << p;
}

TEST(GpuGemm, Fp8BlockScalesMatchReference) {
    MOETWIN_REQUIRE_GPU();
    check_fp8(40, 576, 7168, Fp8Scaling::Block);  // kv_a_proj: 4.5 row blocks
    check_fp8(16, 1536, 7168, Fp8Scaling::Block); // q_a_proj
    check_fp8(8, 7168, 2048, Fp8Scaling::Block);  // expert down
    check_fp8(16, 512, 512, Fp8Scaling::Tensor);
}

TEST(GpuGroupedGemm, ContiguousAndMaskedMatchReference) {
    MOETWIN_REQUIRE_GPU();
    auto rng        = rng_for_test();
    const int64_t G = 4, n = 512, k = 1024;
    const std::vector<int64_t> offsets{0, 5, 5, 17, 40}; // expert 1 receives nothing
    for (const ExpertLayout layout : {ExpertLayout::Contiguous, ExpertLayout::Masked}) {
        const int64_t rows = layout == ExpertLayout::Masked ? G * 12 : offsets.back();
        const auto xf = uniform(rng, size_t(rows * k), -2, 2), wf = uniform(rng, size_t(G * n * k), -0.05f, 0.05f);
        // Activation scales tile-major per expert segment, as the SwiGLU / dispatch produce them.
        Fp8Matrix x{std::vector<fp8_e4m3_t>(size_t(rows * k)), std::vector<float>(size_t(rows * k / 128))};
        for (int64_t g = 0; g < G; ++g) {
            const int64_t r0 = layout == ExpertLayout::Masked ? g * 12 : offsets[size_t(g)];
            const int64_t r1 = layout == ExpertLayout::Masked ? r0 + 12 : offsets[size_t(g) + 1];
            quantize_rows_fp8(xf.data() + r0 * k, r1 - r0, k, x.q.data() + r0 * k, x.s.data() + r0 * (k / 128));
        }
        const Fp8Matrix w = quantize_w(wf, n, k, G);
        DeviceBuffer<fp8_e4m3_t> dx(x.q), dw(w.q);
        DeviceBuffer<float> dxs(x.s), dws(w.s);
        DeviceBuffer<bf16_t> dd(size_t(rows * n));
        dd.zero();
        GroupedGemmParams p;
        p.layout = layout, p.num_groups = G, p.n = n, p.k = k, p.group_offsets = offsets.data(), p.max_m = 12;
        p.x = dx.get(), p.x_scales = dxs.get(), p.w = dw.get(), p.w_scales = dws.get(), p.d = dd.get();
        GemmContext ctx;
        run_grouped_gemm(p, ctx, nullptr);
        CUDA_CHECK(cudaDeviceSynchronize());
        std::vector<bf16_t> ref(size_t(rows * n));
        GroupedGemmParams h = p;
        h.x = x.q.data(), h.x_scales = x.s.data(), h.w = w.q.data(), h.w_scales = w.s.data(), h.d = ref.data();
        grouped_gemm_ref(h);
        EXPECT_LT(nmse(to_float(dd.download()), to_float(ref)), 1e-4) << p;
    }
}

TEST(GpuFfn, SharedExpertMatchesReference) {
    MOETWIN_REQUIRE_GPU();
    auto rng        = rng_for_test();
    const int64_t m = 8, H = 7168, I = 2048;
    const Fp8Matrix x  = quantize_act(uniform(rng, size_t(m * H), -2, 2), m, H);
    const Fp8Matrix w1 = quantize_w(uniform(rng, size_t(2 * I * H), -0.03f, 0.03f), 2 * I, H);
    const Fp8Matrix w2 = quantize_w(uniform(rng, size_t(H * I), -0.03f, 0.03f), H, I);
    DeviceBuffer<fp8_e4m3_t> dx(x.q), dw1(w1.q), dw2(w2.q), dact(size_t(m * I));
    DeviceBuffer<float> dxs(x.s), dw1s(w1.s), dw2s(w2.s), dacts(size_t(m * I / 128));
    DeviceBuffer<bf16_t> dgu(size_t(m * 2 * I)), dout(size_t(m * H));
    FfnParams p;
    p.num_rows = m, p.hidden = H, p.inter = I, p.dtype = GemmDtype::Fp8E4m3;
    p.x = dx.get(), p.x_scales = dxs.get(), p.w_gate_up = dw1.get(), p.w_gate_up_scales = dw1s.get();
    p.w_down = dw2.get(), p.w_down_scales = dw2s.get(), p.gate_up = dgu.get(), p.act = dact.get();
    p.act_scales = dacts.get(), p.out = dout.get();
    GemmContext ctx;
    run_ffn(p, ctx, nullptr);
    CUDA_CHECK(cudaDeviceSynchronize());
    std::vector<bf16_t> gu(size_t(m * 2 * I)), out(size_t(m * H));
    std::vector<fp8_e4m3_t> act(size_t(m * I));
    std::vector<float> acts(size_t(m * I / 128));
    FfnParams h = p;
    h.x = x.q.data(), h.x_scales = x.s.data(), h.w_gate_up = w1.q.data(), h.w_gate_up_scales = w1.s.data();
    h.w_down = w2.q.data(), h.w_down_scales = w2.s.data(), h.gate_up = gu.data(), h.act = act.data();
    h.act_scales = acts.data(), h.out = out.data();
    ffn_ref(h);
    // The GPU's gate_up may differ from the reference by accumulation order, which can move an FP8 code of
    // the SwiGLU output by one step: compare the final output with a looser threshold.
    EXPECT_LT(nmse(to_float(dgu.download()), to_float(gu)), 1e-4);
    EXPECT_LT(nmse(to_float(dout.download()), to_float(out)), 1e-3);
}

// FP8 vs BF16 at one dense shape: [m, k] · [n, k]ᵀ.
void perf_dense(const char* op, int64_t m, int64_t n, int64_t k) {
    DeviceBuffer<fp8_e4m3_t> x8(size_t(m * k)), w8(size_t(n * k));
    DeviceBuffer<bf16_t> x16(size_t(m * k)), w16(size_t(n * k)), d(size_t(m * n));
    DeviceBuffer<float> xs(size_t(m * k / 128)), ws(size_t(weight_scale_count(n, k)));
    fill_uniform(x8.get(), m * k, 1, -448, 448, nullptr), fill_uniform(w8.get(), n * k, 2, -448, 448, nullptr);
    fill_uniform(x16.get(), m * k, 3, -1, 1, nullptr), fill_uniform(w16.get(), n * k, 4, -0.05f, 0.05f, nullptr);
    fill_uniform(xs.get(), int64_t(xs.size()), 5, 1e-3f, 2e-3f, nullptr);
    fill_uniform(ws.get(), int64_t(ws.size()), 6, 1e-5f, 2e-5f, nullptr);
    GemmContext ctx;
    GemmParams b;
    b.m = m, b.n = n, b.k = k, b.x = x16.get(), b.w = w16.get(), b.d = d.get();
    GemmParams f = b;
    f.dtype = GemmDtype::Fp8E4m3, f.x = x8.get(), f.w = w8.get(), f.x_scales = xs.get(), f.w_scales = ws.get();
    const auto rb           = time_op([&](cudaStream_t s) { run_gemm(b, ctx, s); });
    const auto rf           = time_op([&](cudaStream_t s) { run_gemm(f, ctx, s); });
    const std::string shape = "m=" + std::to_string(m) + " n=" + std::to_string(n) + " k=" + std::to_string(k);
    print_perf(std::string(op) + "_fp8", shape, rf, gemm_flops(f), double(n * k + m * k + 2 * m * n), true, "bf16",
               rb.median_s);
}

TEST(GpuGemm, Perf) {
    MOETWIN_REQUIRE_GPU();
    perf_dense("q_a+kv_a", 128, 2112, 7168); // DeepGEMM reference §6: 352 TFLOPS on H800
    perf_dense("o_proj", 4096, 7168, 16384); // 1520 TFLOPS (April release)
    // Grouped: 8 local experts × 512 tokens, gate_up (masked layout, as in decode with EP).
    const int64_t G = 8, M = 512, n = 4096, k = 7168;
    DeviceBuffer<fp8_e4m3_t> x(size_t(G * M * k)), w(size_t(G * n * k));
    DeviceBuffer<float> xs(size_t(G * M * k / 128)), ws(size_t(G * weight_scale_count(n, k)));
    DeviceBuffer<bf16_t> d(size_t(G * M * n));
    fill_uniform(x.get(), G * M * k, 1, -448, 448, nullptr), fill_uniform(w.get(), G * n * k, 2, -448, 448, nullptr);
    fill_uniform(xs.get(), int64_t(xs.size()), 3, 1e-3f, 2e-3f, nullptr);
    fill_uniform(ws.get(), int64_t(ws.size()), 4, 1e-5f, 2e-5f, nullptr);
    GroupedGemmParams p;
    p.layout = ExpertLayout::Masked, p.num_groups = G, p.n = n, p.k = k, p.max_m = M;
    p.x = x.get(), p.x_scales = xs.get(), p.w = w.get(), p.w_scales = ws.get(), p.d = d.get();
    GemmContext ctx;
    const auto r = time_op([&](cudaStream_t s) { run_grouped_gemm(p, ctx, s); });
    print_perf("expert_gate_up", "groups=8 m=512 n=4096 k=7168 masked", r, 2.0 * G * M * n * k,
               double(G * (n * k + M * k + 2 * M * n)), true);
}

} // namespace
} // namespace moetwin::kernels
