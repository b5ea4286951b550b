// SPDX-License-Identifier: Apache-2.0
// Grouped expert GEMM launcher (Params and reference in grouped_gemm.hpp).
#pragma once

#include "engine/kernels/gemm.cuh"
#include "engine/kernels/grouped_gemm.hpp"

namespace moetwin::kernels {

// Validates `p`, then enqueues one cuBLASLt GEMM per non-empty group on `stream`.
void run_grouped_gemm(const GroupedGemmParams& p, GemmContext& ctx, cudaStream_t stream);

} // namespace moetwin::kernels
