// SPDX-License-Identifier: Apache-2.0
// SwiGLU MLP: the three launches in order.
#include "engine/kernels/ffn.cuh"

#include "engine/kernels/swiglu.cuh"

namespace moetwin::kernels {

void run_ffn(const FfnParams& p, GemmContext& ctx, cudaStream_t stream) {
    validate(p);
    if (p.num_rows == 0) return;
    run_gemm(ffn_gate_up(p), ctx, stream);
    run_swiglu(ffn_swiglu(p), stream);
    run_gemm(ffn_down(p), ctx, stream);
}

} // namespace moetwin::kernels
