// SPDX-License-Identifier: Apache-2.0
// Device queries (CUDA runtime) and the NVML SM clock via dlopen.
#include "engine/profiler/device_info.hpp"

#include "engine/gpu_spec.hpp"
#include "engine/kernels/cuda_check.hpp"

#include <dlfcn.h>

#include <algorithm>
#include <cctype>
#include <vector>

namespace moetwin::profiler {

std::string gpu_key_from_name(std::string_view name) {
    std::string n(name);
    std::transform(n.begin(), n.end(), n.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    const auto word = [&](std::string_view w) { // w followed by a non-alphanumeric character or the end
        for (size_t pos = n.find(w); pos != std::string::npos; pos = n.find(w, pos + 1)) {
            const size_t end = pos + w.size();
            if (end == n.size() || !std::isalnum(static_cast<unsigned char>(n[end]))) return true;
        }
        return false;
    };
    // Every GPU of the table (gpu_spec.hpp), longest name first: the match only checks the word's end, so
    // "gb200" must be tried before "b200".
    std::vector<std::string_view> keys;
    for (const GpuSpec& g : gpu_catalogue())
        keys.push_back(g.name);
    std::stable_sort(keys.begin(), keys.end(),
                     [](std::string_view a, std::string_view b) { return a.size() > b.size(); });
    for (const std::string_view key : keys)
        if (word(key)) return std::string(key);
    return "";
}

namespace {
std::string version_text(int v) {
    return std::to_string(v / 1000) + "." + std::to_string((v % 1000) / 10);
}
} // namespace

DeviceInfo query_device(int device) {
    cudaDeviceProp prop{};
    CUDA_CHECK(cudaGetDeviceProperties(&prop, device));
    DeviceInfo d;
    d.index        = device;
    d.name         = prop.name;
    d.gpu_key      = gpu_key_from_name(d.name);
    d.num_sms      = prop.multiProcessorCount;
    d.cc_major     = prop.major;
    d.cc_minor     = prop.minor;
    d.l2_bytes     = size_t(prop.l2CacheSize);
    d.memory_bytes = prop.totalGlobalMem;
    int khz        = 0;
    CUDA_CHECK(cudaDeviceGetAttribute(&khz, cudaDevAttrClockRate, device));
    d.sm_clock_max_hz = double(khz) * 1e3;
    int runtime = 0, driver = 0;
    CUDA_CHECK(cudaRuntimeGetVersion(&runtime));
    CUDA_CHECK(cudaDriverGetVersion(&driver));
    d.cuda_runtime = version_text(runtime);
    d.cuda_driver  = version_text(driver);
    return d;
}

SmClock::SmClock(int device) {
    lib_ = dlopen("libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!lib_) return;
    using InitFn      = int (*)();
    using ByBusFn     = int (*)(const char*, void**);
    const auto init   = reinterpret_cast<InitFn>(dlsym(lib_, "nvmlInit_v2"));
    const auto by_bus = reinterpret_cast<ByBusFn>(dlsym(lib_, "nvmlDeviceGetHandleByPciBusId_v2"));
    get_clock_        = reinterpret_cast<int (*)(void*, int, unsigned*)>(dlsym(lib_, "nvmlDeviceGetClockInfo"));
    shutdown_         = reinterpret_cast<int (*)()>(dlsym(lib_, "nvmlShutdown"));
    if (!init || !by_bus || !get_clock_ || !shutdown_ || init() != 0) return;
    initialized_ = true;
    char bus[64] = {};
    if (cudaDeviceGetPCIBusId(bus, sizeof bus, device) != cudaSuccess || by_bus(bus, &handle_) != 0) handle_ = nullptr;
}

SmClock::~SmClock() {
    if (initialized_) shutdown_();
    if (lib_) dlclose(lib_);
}

double SmClock::sample_hz() const {
    unsigned mhz               = 0;
    constexpr int kNvmlClockSm = 1; // NVML_CLOCK_SM
    if (!handle_ || get_clock_(handle_, kNvmlClockSm, &mhz) != 0) return 0;
    return double(mhz) * 1e6;
}

} // namespace moetwin::profiler
