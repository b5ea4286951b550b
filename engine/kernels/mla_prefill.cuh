// SPDX-License-Identifier: Apache-2.0
// MLA prefill attention launcher (Params and reference in mla_prefill.hpp).
#pragma once

#include "engine/kernels/mla_prefill.hpp"

#include <cuda_runtime_api.h>

namespace moetwin::kernels {

// Validates `p`, then launches one block per (64 queries, head, request). cu_seqlens are device arrays.
void run_mla_prefill(const MlaPrefillParams& p, cudaStream_t stream);

} // namespace moetwin::kernels
