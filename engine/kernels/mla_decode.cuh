// SPDX-License-Identifier: Apache-2.0
// MLA decode attention launcher (Params and reference in mla_decode.hpp).
#pragma once

#include "engine/kernels/mla_decode.hpp"

#include <cuda_runtime_api.h>

namespace moetwin::kernels {

// Validates `p`, then launches grid (head groups, batch, num_splits) and, when num_splits > 1, the
// merge kernel. block_table and cache_seqlens are device arrays; the workspace is device memory.
void run_mla_decode(const MlaDecodeParams& p, cudaStream_t stream);

} // namespace moetwin::kernels
