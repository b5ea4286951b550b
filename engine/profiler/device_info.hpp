// SPDX-License-Identifier: Apache-2.0
// The measuring device as the profile records it: name, SMs, clocks, CUDA runtime and driver versions,
// and the live SM clock from NVML (loaded at run time with dlopen, so nothing links against the driver).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace moetwin::profiler {

struct DeviceInfo {
    int index = 0;
    std::string name;    // cudaDeviceProp::name, "NVIDIA H800"
    std::string gpu_key; // engine/gpu_spec.hpp key from the name ("h800"), "" when unknown
    int num_sms  = 0;
    int cc_major = 0, cc_minor = 0;
    size_t l2_bytes = 0, memory_bytes = 0;
    double sm_clock_max_hz = 0;
    std::string cuda_runtime; // "13.0"
    std::string cuda_driver;  // "13.0" (the CUDA version the driver supports)
};

// Throws CudaError when the device cannot be queried.
DeviceInfo query_device(int device);
// "NVIDIA H800" -> "h800", "NVIDIA H100 80GB HBM3" -> "h100", "NVIDIA H200" -> "h200", "NVIDIA H20" -> "h20";
// "" for anything else.
std::string gpu_key_from_name(std::string_view name);

// Current SM clock of one device through NVML; sample_hz() returns 0 when NVML is not available.
class SmClock {
  public:
    explicit SmClock(int device);
    ~SmClock();
    SmClock(const SmClock&)            = delete;
    SmClock& operator=(const SmClock&) = delete;
    double sample_hz() const;
    bool available() const { return handle_ != nullptr; }

  private:
    void* lib_                               = nullptr;
    void* handle_                            = nullptr; // nvmlDevice_t
    bool initialized_                        = false;
    int (*get_clock_)(void*, int, unsigned*) = nullptr;
    int (*shutdown_)()                       = nullptr;
};

} // namespace moetwin::profiler
