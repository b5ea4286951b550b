// SPDX-License-Identifier: Apache-2.0
// [gpu] RMSNorm, FP8 quantisation and SwiGLU kernels against their CPU references on fresh seeded inputs,
// then a perf line each. Thresholds: BF16 outputs NMSE < 1e-5 (one BF16 rounding apart at most);
// dequantised FP8 outputs NMSE < 1e-4 (a tile may round one FP8 step differently at a BF16 tie).
#include "engine/kernels/fill.cuh"
#include "engine/kernels/quantize_fp8.cuh"
#include "engine/kernels/rms_norm.cuh"
#include "engine/kernels/swiglu.cuh"
#include "gpu_test_util.hpp"

#include <cmath>

namespace moetwin::kernels {
namespace {

using namespace test;

void check_rms_norm(int64_t rows, int64_t dim, int64_t stride, bool bf16_out, bool fp8_out) {
    auto rng     = rng_for_test();
    const auto x = uniform_bf16(rng, size_t(rows * stride), -3, 3), w = uniform_bf16(rng, size_t(dim), 0.5f, 1.5f);
    DeviceBuffer<bf16_t> dx(x), dw(w), dout(size_t(rows * dim));
    DeviceBuffer<fp8_e4m3_t> dq(size_t(rows * dim));
    DeviceBuffer<float> ds(size_t(rows * dim / 128 + 1));
    RmsNormParams p;
    p.num_rows = rows, p.dim = dim, p.x = dx.get(), p.x_row_stride = stride == dim ? 0 : stride, p.weight = dw.get();
    if (bf16_out) p.out = dout.get();
    if (fp8_out) p.out_fp8 = dq.get(), p.out_fp8_scales = ds.get();
    run_rms_norm(p, nullptr);
    CUDA_CHECK(cudaDeviceSynchronize());

    std::vector<bf16_t> out(size_t(rows * dim));
    std::vector<fp8_e4m3_t> q(size_t(rows * dim));
    std::vector<float> s(size_t(rows * dim / 128 + 1));
    RmsNormParams h = p;
    h.x = x.data(), h.weight = w.data(), h.out = bf16_out ? out.data() : nullptr;
    h.out_fp8 = fp8_out ? q.data() : nullptr, h.out_fp8_scales = fp8_out ? s.data() : nullptr;
    rms_norm_ref(h);
    if (bf16_out) EXPECT_LT(nmse(to_float(dout.download()), to_float(out)), 1e-5) << p;
    if (fp8_out) {
        const auto got = dequantize(dq.download(), ds.download(), rows, dim), ref = dequantize(q, s, rows, dim);
        EXPECT_LT(nmse(got, ref), 1e-4) << p;
    }
}

TEST(GpuRmsNorm, MatchesReference) {
    MOETWIN_REQUIRE_GPU();
    check_rms_norm(37, 7168, 7168, true, true);  // ffn_norm: BF16 for the gate, FP8 for the experts
    check_rms_norm(33, 1536, 1536, false, true); // q_a_norm
    check_rms_norm(29, 512, 576, true, false);   // kv_a_norm reads 512 of kv_a_proj's 576 columns
}

TEST(GpuRmsNorm, RejectsBadParamsBeforeLaunch) {
    MOETWIN_REQUIRE_GPU();
    RmsNormParams p;
    p.num_rows = 1, p.dim = 100;
    EXPECT_THROW(run_rms_norm(p, nullptr), std::invalid_argument);
}

TEST(GpuRmsNorm, Perf) {
    MOETWIN_REQUIRE_GPU();
    const int64_t rows = 4096, dim = 7168;
    DeviceBuffer<bf16_t> x(size_t(rows * dim)), w(static_cast<size_t>(dim)), out(size_t(rows * dim));
    DeviceBuffer<fp8_e4m3_t> q(size_t(rows * dim));
    DeviceBuffer<float> s(size_t(rows * dim / 128));
    fill_uniform(x.get(), rows * dim, 1, -1, 1, nullptr), fill_uniform(w.get(), dim, 2, 0.5f, 1.5f, nullptr);
    RmsNormParams p;
    p.num_rows = rows, p.dim = dim, p.x = x.get(), p.weight = w.get(), p.out = out.get(), p.out_fp8 = q.get();
    p.out_fp8_scales = s.get();
    const auto r     = time_op([&](cudaStream_t st) { run_rms_norm(p, st); });
    print_perf("rms_norm", "rows=4096 dim=7168 out=bf16+fp8", r, 4.0 * rows * dim,
               rows * dim * (2.0 + 2 + 1 + 4.0 / 128), false);
}

TEST(GpuQuantizeFp8, SegmentedScalesMatchReference) {
    MOETWIN_REQUIRE_GPU();
    auto rng           = rng_for_test();
    const int64_t rows = 100, cols = 2048;
    const auto x = uniform_bf16(rng, size_t(rows * cols), -50, 50);
    const std::vector<int32_t> offsets{0, 30, 30, 100}; // three segments, one of them empty
    DeviceBuffer<bf16_t> dx(x);
    DeviceBuffer<fp8_e4m3_t> dq(size_t(rows * cols));
    DeviceBuffer<float> ds(size_t(rows * cols / 128));
    DeviceBuffer<int32_t> doff(offsets);
    QuantizeFp8Params p;
    p.num_rows = rows, p.num_cols = cols, p.x = dx.get(), p.out = dq.get(), p.scales = ds.get();
    p.scale_layout.segment_offsets = doff.get(), p.scale_layout.num_segments = 3;
    run_quantize_fp8(p, nullptr);
    CUDA_CHECK(cudaDeviceSynchronize());
    std::vector<fp8_e4m3_t> q(size_t(rows * cols));
    std::vector<float> s(size_t(rows * cols / 128));
    QuantizeFp8Params h = p;
    h.x = x.data(), h.out = q.data(), h.scales = s.data(), h.scale_layout.segment_offsets = offsets.data();
    quantize_fp8_ref(h);
    EXPECT_EQ(ds.download(), s); // same amax, same division: bit-identical scales
    const auto gq  = dq.download();
    int64_t differ = 0;
    for (size_t i = 0; i < q.size(); ++i)
        differ += gq[i].bits != q[i].bits;
    EXPECT_EQ(differ, 0) << "FP8 codes differ";
}

TEST(GpuSwiglu, Bf16AndFp8MatchReference) {
    MOETWIN_REQUIRE_GPU();
    auto rng           = rng_for_test();
    const int64_t rows = 64, inter = 2048;
    const auto gu = uniform_bf16(rng, size_t(rows * 2 * inter), -4, 4);
    DeviceBuffer<bf16_t> dgu(gu), dout(size_t(rows * inter));
    DeviceBuffer<fp8_e4m3_t> dq(size_t(rows * inter));
    DeviceBuffer<float> ds(size_t(rows * inter / 128));
    SwigluParams p;
    p.num_rows = rows, p.inter = inter, p.gate_up = dgu.get(), p.out = dout.get(), p.out_fp8 = dq.get();
    p.out_fp8_scales = ds.get(), p.scale_layout.segment_rows = 16; // 4 experts × 16 rows (masked layout)
    run_swiglu(p, nullptr);
    CUDA_CHECK(cudaDeviceSynchronize());
    std::vector<bf16_t> out(size_t(rows * inter));
    std::vector<fp8_e4m3_t> q(size_t(rows * inter));
    std::vector<float> s(size_t(rows * inter / 128));
    SwigluParams h = p;
    h.gate_up = gu.data(), h.out = out.data(), h.out_fp8 = q.data(), h.out_fp8_scales = s.data();
    swiglu_ref(h);
    EXPECT_LT(nmse(to_float(dout.download()), to_float(out)), 1e-5);
    Fp8ScaleLayout l;
    l.segment_rows = 16;
    EXPECT_LT(nmse(dequantize(dq.download(), ds.download(), rows, inter, l), dequantize(q, s, rows, inter, l)), 1e-4);

    const int64_t big = 16 * 512; // perf: 16 experts × 512 tokens
    DeviceBuffer<bf16_t> pgu(size_t(big * 2 * inter));
    DeviceBuffer<fp8_e4m3_t> pq(size_t(big * inter));
    DeviceBuffer<float> ps(size_t(big * inter / 128));
    fill_uniform(pgu.get(), big * 2 * inter, 3, -2, 2, nullptr);
    SwigluParams pp;
    pp.num_rows = big, pp.inter = inter, pp.gate_up = pgu.get(), pp.out_fp8 = pq.get(), pp.out_fp8_scales = ps.get();
    pp.scale_layout.segment_rows = 512;
    const auto r                 = time_op([&](cudaStream_t st) { run_swiglu(pp, st); });
    print_perf("expert_swiglu", "rows=8192 inter=2048 out=fp8", r, 5.0 * big * inter,
               big * inter * (4.0 + 1 + 4.0 / 128), false);
}

TEST(GpuFill, ValuesInRange) {
    MOETWIN_REQUIRE_GPU();
    DeviceBuffer<bf16_t> b(1000);
    DeviceBuffer<int32_t> ids(1000);
    fill_uniform(b.get(), 1000, 9, -2, 3, nullptr);
    fill_uniform_int(ids.get(), 1000, 9, 5, 7, nullptr);
    CUDA_CHECK(cudaDeviceSynchronize());
    for (const float v : to_float(b.download()))
        EXPECT_TRUE(v >= -2 && v <= 3) << v;
    for (const int32_t v : ids.download())
        EXPECT_TRUE(v == 5 || v == 6) << v;
}

} // namespace
} // namespace moetwin::kernels
