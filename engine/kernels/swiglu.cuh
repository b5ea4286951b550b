// SPDX-License-Identifier: Apache-2.0
// SwiGLU launcher (Params and reference in swiglu.hpp).
#pragma once

#include "engine/kernels/swiglu.hpp"

#include <cuda_runtime_api.h>

namespace moetwin::kernels {

// Validates `p`, then launches one block per row. scale_layout.segment_offsets must be device memory.
void run_swiglu(const SwigluParams& p, cudaStream_t stream);

} // namespace moetwin::kernels
