// SPDX-License-Identifier: Apache-2.0
// GEMM launcher on cuBLASLt (Params and reference in gemm.hpp). GemmContext owns the cuBLASLt handle,
// its workspace and a plan cache (descriptors + the heuristic's algorithm per shape), so a repeated call
// costs one cublasLtMatmul and is safe to capture in a CUDA graph.
#pragma once

#include "engine/kernels/gemm.hpp"

#include <cuda_runtime_api.h>

#include <cstddef>
#include <memory>

namespace moetwin::kernels {

class GemmContext {
  public:
    explicit GemmContext(size_t workspace_bytes = size_t(32) << 20); // NVIDIA's recommendation for Hopper
    ~GemmContext();
    GemmContext(const GemmContext&)            = delete;
    GemmContext& operator=(const GemmContext&) = delete;

    struct Impl;
    Impl& impl() { return *impl_; }

  private:
    std::unique_ptr<Impl> impl_;
};

// Validates `p`, then runs it on `stream`. Throws CudaError when cuBLASLt finds no algorithm (for
// example FP8 block scaling on a GPU other than sm_90, or cuBLASLt older than 12.9).
void run_gemm(const GemmParams& p, GemmContext& ctx, cudaStream_t stream);
// The cuBLASLt version the library reports at run time (e.g. 130100).
size_t cublaslt_version();

} // namespace moetwin::kernels
