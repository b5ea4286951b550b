// SPDX-License-Identifier: Apache-2.0
// FP8 activation quantisation kernel: one block per row, 16 threads per 1×128 tile.
#include "engine/kernels/cuda_check.hpp"
#include "engine/kernels/device_math.cuh"
#include "engine/kernels/quantize_fp8.cuh"

namespace moetwin::kernels {
namespace {

constexpr int kThreads = 128;

__global__ void __launch_bounds__(kThreads) quantize_fp8_kernel(QuantizeFp8Params p, Fp8ScaleLayout layout) {
    using namespace device;
    const int64_t row   = blockIdx.x;
    const int64_t xs    = p.x_row_stride ? p.x_row_stride : p.num_cols;
    const int64_t nvec  = p.num_cols / 8;
    const int64_t iters = (nvec + kThreads - 1) / kThreads;
    for (int64_t it = 0; it < iters; ++it) {
        const int64_t v   = threadIdx.x + it * kThreads;
        const bool active = v < nvec;
        float f[8]        = {};
        if (active) load_bf16x8(p.x + row * xs + 8 * v, f);
        float amax = 0;
#pragma unroll
        for (int i = 0; i < 8; ++i)
            amax = fmaxf(amax, fabsf(f[i]));
        const float s = fp8_scale_of(tile16_max(amax));
        if (active) {
            store_fp8x8(p.out + row * p.num_cols + 8 * v, f, s);
            if (v % 16 == 0) p.scales[scale_index(layout, row, v / 16)] = s;
        }
    }
}

} // namespace

void run_quantize_fp8(const QuantizeFp8Params& p, cudaStream_t stream) {
    validate(p);
    require(reinterpret_cast<uintptr_t>(p.x) % 16 == 0, "quantize_fp8", "x must be 16-byte aligned");
    if (p.num_rows == 0) return;
    Fp8ScaleLayout layout = p.scale_layout;
    layout.rows           = p.num_rows;
    layout.num_tiles      = p.num_cols / kQuantTile;
    quantize_fp8_kernel<<<unsigned(p.num_rows), kThreads, 0, stream>>>(p, layout);
    CUDA_CHECK_LAUNCH();
}

} // namespace moetwin::kernels
