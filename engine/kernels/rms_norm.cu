// SPDX-License-Identifier: Apache-2.0
// RMSNorm kernel: one block per row, 16-byte vectors; the FP8 output quantises each 1×128 tile of the
// BF16-rounded result across the 16 threads that hold it.
#include "engine/kernels/cuda_check.hpp"
#include "engine/kernels/device_math.cuh"
#include "engine/kernels/rms_norm.cuh"

namespace moetwin::kernels {
namespace {

constexpr int kThreads = 256;

__global__ void __launch_bounds__(kThreads) rms_norm_kernel(RmsNormParams p) {
    using namespace device;
    const int64_t row  = blockIdx.x;
    const int64_t xs   = p.x_row_stride ? p.x_row_stride : p.dim;
    const int64_t os   = p.out_row_stride ? p.out_row_stride : p.dim;
    const bf16_t* x    = p.x + row * xs;
    const int64_t nvec = p.dim / 8;

    float ss = 0;
    for (int64_t v = threadIdx.x; v < nvec; v += kThreads) {
        float f[8];
        load_bf16x8(x + 8 * v, f);
#pragma unroll
        for (int i = 0; i < 8; ++i)
            ss += f[i] * f[i];
    }
    __shared__ float partial[kThreads / 32];
    ss = warp_sum(ss);
    if (threadIdx.x % 32 == 0) partial[threadIdx.x / 32] = ss;
    __syncthreads();
    float total = 0;
#pragma unroll
    for (int w = 0; w < kThreads / 32; ++w)
        total += partial[w];
    const float inv = rsqrtf(total / float(p.dim) + p.eps);

    Fp8ScaleLayout layout;
    layout.rows         = p.num_rows;
    layout.num_tiles    = p.dim / kQuantTile;
    const int64_t iters = (nvec + kThreads - 1) / kThreads; // uniform: every lane reaches the shuffles
    for (int64_t it = 0; it < iters; ++it) {
        const int64_t v   = threadIdx.x + it * kThreads;
        const bool active = v < nvec;
        float y[8]        = {};
        if (active) {
            float f[8], w[8];
            load_bf16x8(x + 8 * v, f);
            load_bf16x8(p.weight + 8 * v, w);
#pragma unroll
            for (int i = 0; i < 8; ++i)
                y[i] = round_bf16_dev(f[i] * inv * w[i]);
            if (p.out) store_bf16x8(p.out + row * os + 8 * v, y);
        }
        if (p.out_fp8) {
            float amax = 0;
#pragma unroll
            for (int i = 0; i < 8; ++i)
                amax = fmaxf(amax, fabsf(y[i]));
            const float s = fp8_scale_of(tile16_max(amax));
            if (active) {
                store_fp8x8(p.out_fp8 + row * p.dim + 8 * v, y, s);
                if (v % 16 == 0) p.out_fp8_scales[scale_index(layout, row, v / 16)] = s;
            }
        }
    }
}

} // namespace

void run_rms_norm(const RmsNormParams& p, cudaStream_t stream) {
    validate(p);
    if (p.num_rows == 0) return;
    rms_norm_kernel<<<unsigned(p.num_rows), kThreads, 0, stream>>>(p);
    CUDA_CHECK_LAUNCH();
}

} // namespace moetwin::kernels
