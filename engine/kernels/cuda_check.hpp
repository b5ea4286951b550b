// SPDX-License-Identifier: Apache-2.0
// CUDA_CHECK(expr) and friends: every CUDA runtime call goes through them; a failure throws CudaError
// with the expression, the error name and file:line (library code never exits). Host-only header.
#pragma once

#include <cuda_runtime_api.h>

#include <stdexcept>
#include <string>

namespace moetwin::kernels {

class CudaError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

[[noreturn]] void throw_cuda_error(const char* expr, cudaError_t err, const char* file, int line);

// True when a CUDA device can be used. Any error counts as "no GPU": without a driver
// cudaGetDeviceCount returns cudaErrorInsufficientDriver (35), not cudaErrorNoDevice (100).
// `why` (optional) receives the reason when there is none.
bool cuda_device_available(std::string* why = nullptr);

} // namespace moetwin::kernels

#define CUDA_CHECK(expr)                                                                                               \
    do {                                                                                                               \
        const cudaError_t moetwin_err_ = (expr);                                                                       \
        if (moetwin_err_ != cudaSuccess)                                                                               \
            ::moetwin::kernels::throw_cuda_error(#expr, moetwin_err_, __FILE__, __LINE__);                             \
    } while (0)

// After a kernel launch: configuration errors surface here, execution errors at the next sync.
#define CUDA_CHECK_LAUNCH() CUDA_CHECK(cudaGetLastError())
