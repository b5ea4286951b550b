// SPDX-License-Identifier: Apache-2.0
// SwiGLU kernel: one block per row, 8 outputs per thread per step, fused FP8 tile quantisation.
#include "engine/kernels/cuda_check.hpp"
#include "engine/kernels/device_math.cuh"
#include "engine/kernels/swiglu.cuh"

namespace moetwin::kernels {
namespace {

constexpr int kThreads = 256;

__global__ void __launch_bounds__(kThreads) swiglu_kernel(SwigluParams p, Fp8ScaleLayout layout) {
    using namespace device;
    const int64_t row   = blockIdx.x;
    const bf16_t* gu    = p.gate_up + row * 2 * p.inter;
    const int64_t nvec  = p.inter / 8;
    const int64_t iters = (nvec + kThreads - 1) / kThreads;
    for (int64_t it = 0; it < iters; ++it) {
        const int64_t v   = threadIdx.x + it * kThreads;
        const bool active = v < nvec;
        float h[8]        = {};
        if (active) {
            float g[8], u[8];
            load_bf16x8(gu + 8 * v, g);
            load_bf16x8(gu + p.inter + 8 * v, u);
#pragma unroll
            for (int i = 0; i < 8; ++i)
                h[i] = round_bf16_dev(g[i] / (1.0f + expf(-g[i])) * u[i]);
            if (p.out) store_bf16x8(p.out + row * p.inter + 8 * v, h);
        }
        if (p.out_fp8) {
            float amax = 0;
#pragma unroll
            for (int i = 0; i < 8; ++i)
                amax = fmaxf(amax, fabsf(h[i]));
            const float s = fp8_scale_of(tile16_max(amax));
            if (active) {
                store_fp8x8(p.out_fp8 + row * p.inter + 8 * v, h, s);
                if (v % 16 == 0) p.out_fp8_scales[scale_index(layout, row, v / 16)] = s;
            }
        }
    }
}

} // namespace

void run_swiglu(const SwigluParams& p, cudaStream_t stream) {
    validate(p);
    require(reinterpret_cast<uintptr_t>(p.gate_up) % 16 == 0, "swiglu", "gate_up must be 16-byte aligned");
    if (p.num_rows == 0) return;
    Fp8ScaleLayout layout = p.scale_layout;
    layout.rows           = p.num_rows;
    layout.num_tiles      = p.inter / kQuantTile;
    swiglu_kernel<<<unsigned(p.num_rows), kThreads, 0, stream>>>(p, layout);
    CUDA_CHECK_LAUNCH();
}

} // namespace moetwin::kernels
