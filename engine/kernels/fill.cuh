// SPDX-License-Identifier: Apache-2.0
// Seeded random fills on the device, for weights and activations at real dimensions (the layer runner
// and the profiler never copy gigabytes from the host; timing does not depend on the values).
// Values are uniform in [lo, hi), a pure function of (seed, index).
#pragma once

#include "engine/kernels/dtype.hpp"

#include <cuda_runtime_api.h>

#include <cstdint>

namespace moetwin::kernels {

void fill_uniform(bf16_t* ptr, int64_t count, uint64_t seed, float lo, float hi, cudaStream_t stream);
void fill_uniform(fp8_e4m3_t* ptr, int64_t count, uint64_t seed, float lo, float hi, cudaStream_t stream);
void fill_uniform(float* ptr, int64_t count, uint64_t seed, float lo, float hi, cudaStream_t stream);
// Integers uniform in [lo, hi) (token→expert ids, page ids).
void fill_uniform_int(int32_t* ptr, int64_t count, uint64_t seed, int32_t lo, int32_t hi, cudaStream_t stream);

} // namespace moetwin::kernels
