// SPDX-License-Identifier: Apache-2.0
// DeepSeek-V3 gate launcher (Params and reference in moe_gate.hpp).
#pragma once

#include "engine/kernels/moe_gate.hpp"

#include <cuda_runtime_api.h>

namespace moetwin::kernels {

// Validates `p`, then launches one warp per token.
void run_moe_gate(const MoeGateParams& p, cudaStream_t stream);

} // namespace moetwin::kernels
