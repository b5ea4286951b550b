// SPDX-License-Identifier: Apache-2.0
// RMSNorm launcher (Params and reference in rms_norm.hpp).
#pragma once

#include "engine/kernels/rms_norm.hpp"

#include <cuda_runtime_api.h>

namespace moetwin::kernels {

// Validates `p` (throws std::invalid_argument), then launches one block per row on `stream`.
void run_rms_norm(const RmsNormParams& p, cudaStream_t stream);

} // namespace moetwin::kernels
