// SPDX-License-Identifier: Apache-2.0
// SwiGLU MLP launcher (Params and reference in ffn.hpp): shared expert and dense FFN.
#pragma once

#include "engine/kernels/ffn.hpp"
#include "engine/kernels/gemm.cuh"

namespace moetwin::kernels {

// Validates `p`, then runs gate_up GEMM → SwiGLU → down GEMM on `stream`.
void run_ffn(const FfnParams& p, GemmContext& ctx, cudaStream_t stream);

} // namespace moetwin::kernels
