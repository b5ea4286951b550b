// SPDX-License-Identifier: Apache-2.0
// Storage types shared by the CUDA kernels and their CPU references: BF16 and FP8 e4m3 as plain bit
// containers (layout-compatible with __nv_bfloat16 / __nv_fp8_e4m3), with host conversions that round
// exactly as the device intrinsics do (round-to-nearest-even; FP8 saturating to ±448 like __NV_SATFINITE).
#pragma once

#include <cstdint>
#include <vector>

namespace moetwin::kernels {

struct bf16_t {
    uint16_t bits = 0;
};
struct fp8_e4m3_t {
    uint8_t bits = 0;
};
static_assert(sizeof(bf16_t) == 2 && sizeof(fp8_e4m3_t) == 1);

inline constexpr float kFp8E4m3Max = 448.0f; // largest finite e4m3 ("fn" variant: no infinities)
inline constexpr int kQuantTile    = 128;    // DeepSeek-V3 FP8: 1×128 activation tiles, 128×128 weight blocks

bf16_t to_bf16(float x); // RNE; NaN stays NaN
float to_float(bf16_t x);
fp8_e4m3_t to_fp8_e4m3(float x); // RNE, saturating to ±448; NaN -> 0x7F
float to_float(fp8_e4m3_t x);

// Vector helpers for tests and references.
std::vector<bf16_t> to_bf16(const std::vector<float>& x);
std::vector<float> to_float(const std::vector<bf16_t>& x);
// x rounded through BF16 (what a BF16 tensor holding x would contain).
float round_bf16(float x);

} // namespace moetwin::kernels
