// SPDX-License-Identifier: Apache-2.0
// Device random fills: splitmix64 of (seed, index), grid-stride loops.
#include "engine/kernels/cuda_check.hpp"
#include "engine/kernels/device_math.cuh"
#include "engine/kernels/fill.cuh"

#include <algorithm>

namespace moetwin::kernels {
namespace {

__device__ __forceinline__ uint64_t splitmix64(uint64_t x) {
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}
__device__ __forceinline__ float uniform01(uint64_t seed, int64_t i) {
    return float(splitmix64(seed * 0x100000001B3ull ^ uint64_t(i)) >> 40) * (1.0f / 16777216.0f);
}

template <class T, class Convert>
__global__ void fill_kernel(T* ptr, int64_t count, uint64_t seed, float lo, float hi, Convert convert) {
    for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < count; i += int64_t(gridDim.x) * blockDim.x)
        ptr[i] = convert(lo + (hi - lo) * uniform01(seed, i));
}

struct ToBf16 {
    __device__ bf16_t operator()(float x) const { return {device::float_to_bf16_bits(x)}; }
};
struct ToFp8 {
    __device__ fp8_e4m3_t operator()(float x) const { return {device::float_to_fp8_bits(x)}; }
};
struct ToF32 {
    __device__ float operator()(float x) const { return x; }
};

template <class T, class Convert>
void launch(T* ptr, int64_t count, uint64_t seed, float lo, float hi, Convert c, cudaStream_t stream) {
    if (count <= 0) return;
    const int64_t blocks = std::min<int64_t>((count + 255) / 256, 4096);
    fill_kernel<<<unsigned(blocks), 256, 0, stream>>>(ptr, count, seed, lo, hi, c);
    CUDA_CHECK_LAUNCH();
}

__global__ void fill_int_kernel(int32_t* ptr, int64_t count, uint64_t seed, int32_t lo, int32_t hi) {
    const uint64_t span = uint64_t(int64_t(hi) - lo);
    for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < count; i += int64_t(gridDim.x) * blockDim.x)
        ptr[i] = lo + int32_t(splitmix64(seed * 0x100000001B3ull ^ uint64_t(i)) % span);
}

} // namespace

void fill_uniform(bf16_t* ptr, int64_t count, uint64_t seed, float lo, float hi, cudaStream_t stream) {
    launch(ptr, count, seed, lo, hi, ToBf16{}, stream);
}
void fill_uniform(fp8_e4m3_t* ptr, int64_t count, uint64_t seed, float lo, float hi, cudaStream_t stream) {
    launch(ptr, count, seed, lo, hi, ToFp8{}, stream);
}
void fill_uniform(float* ptr, int64_t count, uint64_t seed, float lo, float hi, cudaStream_t stream) {
    launch(ptr, count, seed, lo, hi, ToF32{}, stream);
}
void fill_uniform_int(int32_t* ptr, int64_t count, uint64_t seed, int32_t lo, int32_t hi, cudaStream_t stream) {
    require(hi > lo, "fill_uniform_int", "need hi > lo");
    if (count <= 0) return;
    const int64_t blocks = std::min<int64_t>((count + 255) / 256, 4096);
    fill_int_kernel<<<unsigned(blocks), 256, 0, stream>>>(ptr, count, seed, lo, hi);
    CUDA_CHECK_LAUNCH();
}

} // namespace moetwin::kernels
