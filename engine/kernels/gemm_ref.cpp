// SPDX-License-Identifier: Apache-2.0
// GEMM: boundary checks (including what cuBLASLt needs: 16-byte alignment, TN for FP8) and the CPU reference.
#include "engine/kernels/gemm.hpp"

#include <cstdint>
#include <ostream>
#include <vector>

namespace moetwin::kernels {
namespace {

bool aligned16(const void* ptr) {
    return reinterpret_cast<uintptr_t>(ptr) % 16 == 0;
}

} // namespace

double gemm_flops(const GemmParams& p) {
    return 2.0 * double(p.batch) * double(p.m) * double(p.n) * double(p.k);
}

void validate(const GemmParams& p) {
    const char* op     = "gemm";
    const bool fp8     = p.dtype == GemmDtype::Fp8E4m3;
    const int64_t esz  = fp8 ? 1 : 2;
    const int64_t desz = p.d_dtype == GemmOut::F32 ? 4 : 2;
    require(p.m >= 0, op, field("m", p.m) + ": must be >= 0");
    require(p.n > 0 && p.k > 0, op, field("n", p.n) + ", " + field("k", p.k) + ": must be > 0");
    require(p.batch >= 1, op, field("batch", p.batch) + ": must be >= 1");
    require(p.x && p.w && p.d, op, "x, w and d are required");
    require(p.lda_x() >= p.k, op, field("ldx", p.lda_x()) + ": must be >= k");
    require(p.lda_w() >= (p.w_layout == WeightLayout::NK ? p.k : p.n), op, field("ldw", p.lda_w()) + ": too small");
    require(p.lda_d() >= p.n, op, field("ldd", p.lda_d()) + ": must be >= n");
    // cuBLASLt tensor-core kernels: 16-byte aligned pointers and leading dimensions.
    require(aligned16(p.x) && aligned16(p.w) && aligned16(p.d), op, "x, w and d must be 16-byte aligned");
    require(p.lda_x() * esz % 16 == 0 && p.lda_w() * esz % 16 == 0 && p.lda_d() * desz % 16 == 0, op,
            "leading dimensions must be multiples of 16 bytes");
    if (p.batch > 1)
        require(p.batch_stride_x * esz % 16 == 0 && p.batch_stride_w * esz % 16 == 0 &&
                    p.batch_stride_d * desz % 16 == 0,
                op, "batch strides must be multiples of 16 bytes");
    if (fp8) {
        require(p.w_layout == WeightLayout::NK, op, "FP8 needs W as [n, k] (cuBLASLt FP8 supports TN only)");
        require(p.batch == 1, op, "FP8 batched GEMM is not supported");
        require(p.d_dtype == GemmOut::Bf16, op, "FP8 GEMM writes BF16");
        require(p.w_scales && p.x_scales, op, "FP8 needs w_scales and x_scales");
        require(p.k % 16 == 0 && p.n % 16 == 0, op,
                field("k", p.k) + ", " + field("n", p.n) + ": must be multiples of 16 for FP8");
        if (p.scaling == Fp8Scaling::Block) {
            require(p.k % 128 == 0, op, field("k", p.k) + ": must be a multiple of 128 with 1x128/128x128 scaling");
            require(aligned16(p.w_scales) && aligned16(p.x_scales), op, "block scales must be 16-byte aligned");
        }
    } else {
        require(p.w_scales == nullptr && p.x_scales == nullptr, op, "BF16 GEMM takes no scales");
    }
}

void gemm_ref(const GemmParams& p) {
    validate(p);
    const bool fp8  = p.dtype == GemmDtype::Fp8E4m3;
    const auto xval = [&](int64_t b, int64_t r, int64_t c) {
        const int64_t i = b * p.batch_stride_x + r * p.lda_x() + c;
        if (!fp8) return double(to_float(static_cast<const bf16_t*>(p.x)[i]));
        const double s = p.scaling == Fp8Scaling::Tensor ? p.x_scales[0] : p.x_scales[(c / 128) * p.m + r];
        return double(to_float(static_cast<const fp8_e4m3_t*>(p.x)[i])) * s;
    };
    const auto wval = [&](int64_t b, int64_t nn, int64_t kk) {
        const int64_t i =
            b * p.batch_stride_w + (p.w_layout == WeightLayout::NK ? nn * p.lda_w() + kk : kk * p.lda_w() + nn);
        if (!fp8) return double(to_float(static_cast<const bf16_t*>(p.w)[i]));
        const double s = p.scaling == Fp8Scaling::Tensor ? p.w_scales[0] : p.w_scales[weight_scale_index(p.k, nn, kk)];
        return double(to_float(static_cast<const fp8_e4m3_t*>(p.w)[i])) * s;
    };
    std::vector<double> xrow(size_t(p.k));
    for (int64_t b = 0; b < p.batch; ++b)
        for (int64_t r = 0; r < p.m; ++r) {
            for (int64_t c = 0; c < p.k; ++c)
                xrow[size_t(c)] = xval(b, r, c);
            for (int64_t nn = 0; nn < p.n; ++nn) {
                double acc = 0;
                for (int64_t c = 0; c < p.k; ++c)
                    acc += xrow[size_t(c)] * wval(b, nn, c);
                const int64_t i = b * p.batch_stride_d + r * p.lda_d() + nn;
                if (p.d_dtype == GemmOut::F32)
                    static_cast<float*>(p.d)[i] = float(acc);
                else
                    static_cast<bf16_t*>(p.d)[i] = to_bf16(float(acc));
            }
        }
}

std::ostream& operator<<(std::ostream& out, const GemmParams& p) {
    out << "Gemm{m=" << p.m << " n=" << p.n << " k=" << p.k;
    if (p.batch > 1) out << " batch=" << p.batch;
    out << " dtype=" << (p.dtype == GemmDtype::Fp8E4m3 ? "fp8_e4m3" : "bf16");
    if (p.dtype == GemmDtype::Fp8E4m3)
        out << " scaling=" << (p.scaling == Fp8Scaling::Block ? "1x128/128x128" : "tensor");
    out << " w=" << (p.w_layout == WeightLayout::NK ? "[n,k]" : "[k,n]")
        << " out=" << (p.d_dtype == GemmOut::F32 ? "f32" : "bf16") << "}";
    return out;
}

} // namespace moetwin::kernels
