// SPDX-License-Identifier: Apache-2.0
// Grouped expert GEMM: a loop of cuBLASLt GEMMs (this cuBLASLt has no grouped FP8 mode on sm_90).
#include "engine/kernels/grouped_gemm.cuh"

namespace moetwin::kernels {

void run_grouped_gemm(const GroupedGemmParams& p, GemmContext& ctx, cudaStream_t stream) {
    validate(p);
    for (int64_t g = 0; g < p.num_groups; ++g) {
        const GemmParams q = group_gemm(p, g);
        if (q.m > 0) run_gemm(q, ctx, stream);
    }
}

} // namespace moetwin::kernels
