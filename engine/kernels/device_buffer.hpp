// SPDX-License-Identifier: Apache-2.0
// DeviceBuffer<T>: an owning cudaMalloc'd array (RAII, move-only) with host upload/download helpers,
// for the layer runner, the profiler and the GPU tests. Host-only header.
#pragma once

#include "engine/kernels/cuda_check.hpp"

#include <cstddef>
#include <utility>
#include <vector>

namespace moetwin::kernels {

template <class T> class DeviceBuffer {
  public:
    DeviceBuffer() = default;
    explicit DeviceBuffer(size_t count) : count_(count) {
        if (count_ > 0) CUDA_CHECK(cudaMalloc(reinterpret_cast<void**>(&ptr_), count_ * sizeof(T)));
    }
    explicit DeviceBuffer(const std::vector<T>& host) : DeviceBuffer(host.size()) { upload(host); }
    ~DeviceBuffer() {
        if (ptr_) (void)cudaFree(ptr_);
    }
    DeviceBuffer(DeviceBuffer&& o) noexcept
        : ptr_(std::exchange(o.ptr_, nullptr)), count_(std::exchange(o.count_, 0)) {}
    DeviceBuffer& operator=(DeviceBuffer&& o) noexcept {
        std::swap(ptr_, o.ptr_);
        std::swap(count_, o.count_);
        return *this;
    }
    DeviceBuffer(const DeviceBuffer&)            = delete;
    DeviceBuffer& operator=(const DeviceBuffer&) = delete;

    T* get() const { return ptr_; }
    size_t size() const { return count_; }
    size_t bytes() const { return count_ * sizeof(T); }

    void upload(const std::vector<T>& host) {
        if (host.size() > count_) throw CudaError("DeviceBuffer::upload: host vector larger than the buffer");
        if (!host.empty()) CUDA_CHECK(cudaMemcpy(ptr_, host.data(), host.size() * sizeof(T), cudaMemcpyHostToDevice));
    }
    std::vector<T> download() const { return download(count_); }
    std::vector<T> download(size_t count) const {
        std::vector<T> host(count);
        if (count > 0) CUDA_CHECK(cudaMemcpy(host.data(), ptr_, count * sizeof(T), cudaMemcpyDeviceToHost));
        return host;
    }
    void zero() {
        if (count_ > 0) CUDA_CHECK(cudaMemset(ptr_, 0, bytes()));
    }

  private:
    T* ptr_       = nullptr;
    size_t count_ = 0;
};

} // namespace moetwin::kernels
