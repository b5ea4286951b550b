// SPDX-License-Identifier: Apache-2.0
// Token permutation launchers (Params and references in moe_permute.hpp).
#pragma once

#include "engine/kernels/moe_permute.hpp"

#include <cuda_runtime_api.h>

namespace moetwin::kernels {

// Validates `p`, then runs four kernels: per-chunk expert counts, their scan, deterministic ranks
// (warp match + per-warp prefix), and the row copies. p.workspace: moe_permute_workspace_ints(p) int32.
void run_moe_permute(const MoePermuteParams& p, cudaStream_t stream);
// Validates `p`, then launches one block per token.
void run_moe_unpermute(const MoeUnpermuteParams& p, cudaStream_t stream);

} // namespace moetwin::kernels
