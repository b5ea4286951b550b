// SPDX-License-Identifier: Apache-2.0
// CUDA error reporting and the "is there a usable GPU" probe.
#include "engine/kernels/cuda_check.hpp"

namespace moetwin::kernels {

void throw_cuda_error(const char* expr, cudaError_t err, const char* file, int line) {
    throw CudaError(std::string(file) + ":" + std::to_string(line) + ": " + expr + " failed: " + cudaGetErrorName(err) +
                    " (" + std::to_string(int(err)) + "): " + cudaGetErrorString(err));
}

bool cuda_device_available(std::string* why) {
    int count             = 0;
    const cudaError_t err = cudaGetDeviceCount(&count);
    if (err != cudaSuccess) {
        if (why)
            *why = std::string("cudaGetDeviceCount: ") + cudaGetErrorName(err) + " (" + std::to_string(int(err)) + ")";
        (void)cudaGetLastError(); // clear the sticky error
        return false;
    }
    if (count == 0) {
        if (why) *why = "no CUDA device";
        return false;
    }
    return true;
}

} // namespace moetwin::kernels
