// SPDX-License-Identifier: Apache-2.0
// FP8 activation quantisation launcher (Params and reference in quantize_fp8.hpp).
#pragma once

#include "engine/kernels/quantize_fp8.hpp"

#include <cuda_runtime_api.h>

namespace moetwin::kernels {

// Validates `p`, then launches one block per row. scale_layout.segment_offsets must be device memory.
void run_quantize_fp8(const QuantizeFp8Params& p, cudaStream_t stream);

} // namespace moetwin::kernels
