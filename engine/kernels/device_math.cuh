// SPDX-License-Identifier: Apache-2.0
// Device helpers shared by the .cu files: BF16/FP8 views of the storage types, warp reductions, the
// 16-lane tile amax of FP8 quantisation. Included only by .cu translation units.
#pragma once

#include "engine/kernels/dtype.hpp"
#include "engine/kernels/kernel_params.hpp"

#include <cuda_bf16.h>
#include <cuda_fp8.h>

namespace moetwin::kernels::device {

inline constexpr unsigned kFullMask = 0xffffffffu;

__device__ __forceinline__ float bf16_to_float(uint16_t bits) {
    return __uint_as_float(uint32_t(bits) << 16);
}
__device__ __forceinline__ uint16_t float_to_bf16_bits(float x) {
    return __bfloat16_as_ushort(__float2bfloat16_rn(x)); // RNE, as dtype.cpp
}
__device__ __forceinline__ float round_bf16_dev(float x) {
    return bf16_to_float(float_to_bf16_bits(x));
}
__device__ __forceinline__ uint8_t float_to_fp8_bits(float x) {
    return uint8_t(__nv_cvt_float_to_fp8(x, __NV_SATFINITE, __NV_E4M3));
}
__device__ __forceinline__ float fp8_to_float(uint8_t bits) {
    const __half_raw h = __nv_cvt_fp8_to_halfraw(__nv_fp8_storage_t(bits), __NV_E4M3);
    return __half2float(__half(h));
}
// Two BF16 packed in one 32-bit word (low half = lower address).
__device__ __forceinline__ float2 bf16x2_to_float2(uint32_t w) {
    return make_float2(__uint_as_float(w << 16), __uint_as_float(w & 0xffff0000u));
}

__device__ __forceinline__ float warp_sum(float v) {
#pragma unroll
    for (int o = 16; o > 0; o >>= 1)
        v += __shfl_xor_sync(kFullMask, v, o);
    return v;
}
__device__ __forceinline__ float warp_max(float v) {
#pragma unroll
    for (int o = 16; o > 0; o >>= 1)
        v = fmaxf(v, __shfl_xor_sync(kFullMask, v, o));
    return v;
}
// Max over the 16 lanes that share a 1×128 tile (16 lanes × 8 values); every lane of the warp calls it.
__device__ __forceinline__ float tile16_max(float v) {
#pragma unroll
    for (int o = 8; o > 0; o >>= 1)
        v = fmaxf(v, __shfl_xor_sync(kFullMask, v, o));
    return v;
}
__device__ __forceinline__ float fp8_scale_of(float amax) {
    return fmaxf(amax, 1e-10f) / kFp8E4m3Max;
}

// Writes 8 consecutive values as FP8 (one 8-byte store) after dividing by `scale`.
__device__ __forceinline__ void store_fp8x8(fp8_e4m3_t* dst, const float (&v)[8], float scale) {
    uint32_t lo = 0, hi = 0;
#pragma unroll
    for (int i = 0; i < 4; ++i)
        lo |= uint32_t(float_to_fp8_bits(v[i] / scale)) << (8 * i);
#pragma unroll
    for (int i = 0; i < 4; ++i)
        hi |= uint32_t(float_to_fp8_bits(v[4 + i] / scale)) << (8 * i);
    *reinterpret_cast<uint2*>(dst) = make_uint2(lo, hi);
}
__device__ __forceinline__ void load_bf16x8(const bf16_t* src, float (&v)[8]) {
    const uint4 u       = *reinterpret_cast<const uint4*>(src);
    const uint32_t w[4] = {u.x, u.y, u.z, u.w};
#pragma unroll
    for (int i = 0; i < 4; ++i) {
        const float2 f = bf16x2_to_float2(w[i]);
        v[2 * i]       = f.x;
        v[2 * i + 1]   = f.y;
    }
}
__device__ __forceinline__ void store_bf16x8(bf16_t* dst, const float (&v)[8]) {
    uint32_t w[4];
#pragma unroll
    for (int i = 0; i < 4; ++i)
        w[i] = uint32_t(float_to_bf16_bits(v[2 * i])) | (uint32_t(float_to_bf16_bits(v[2 * i + 1])) << 16);
    *reinterpret_cast<uint4*>(dst) = make_uint4(w[0], w[1], w[2], w[3]);
}

} // namespace moetwin::kernels::device
