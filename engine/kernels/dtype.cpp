// SPDX-License-Identifier: Apache-2.0
// Host BF16 / FP8 e4m3 conversions, bit-exact with cuda_bf16.h / cuda_fp8.h (RNE, satfinite).
#include "engine/kernels/dtype.hpp"

#include <cmath>
#include <cstring>

namespace moetwin::kernels {

bf16_t to_bf16(float x) {
    uint32_t u;
    std::memcpy(&u, &x, 4);
    if (std::isnan(x)) return {uint16_t((u >> 16) | 0x40)}; // quiet NaN, sign kept
    u += 0x7FFFu + ((u >> 16) & 1u);                        // round to nearest even
    return {uint16_t(u >> 16)};
}

float to_float(bf16_t x) {
    const uint32_t u = uint32_t(x.bits) << 16;
    float f;
    std::memcpy(&f, &u, 4);
    return f;
}

float round_bf16(float x) {
    return to_float(to_bf16(x));
}

fp8_e4m3_t to_fp8_e4m3(float x) {
    if (std::isnan(x)) return {0x7F};
    const uint8_t sign = std::signbit(x) ? 0x80 : 0x00;
    const float a      = std::fabs(x);
    // e4m3fn: bias 7, normals 2^-6 .. 448 (1.75·2^8), subnormals m·2^-9 (m = 1..7), no infinities.
    if (a >= kFp8E4m3Max) return {uint8_t(sign | 0x7E)}; // satfinite (RNE would not round 448+ up anyway)
    if (a < std::ldexp(1.0f, -6)) {
        const float q = std::nearbyint(a * 512.0f); // units of 2^-9, ties to even (default rounding mode)
        return {uint8_t(sign | uint8_t(q))};        // q == 8 is exactly the smallest normal (0x08)
    }
    int e;
    const float m = std::frexp(a, &e); // a = m·2^e, m in [0.5, 1)
    int exp       = e - 1;             // a = (2m)·2^exp, 2m in [1, 2)
    float mant    = std::nearbyint((2.0f * m - 1.0f) * 8.0f);
    if (mant >= 8.0f) {
        mant = 0.0f;
        ++exp;
    }
    const int code = ((exp + 7) << 3) | int(mant);
    return {uint8_t(sign | (code > 0x7E ? 0x7E : code))};
}

float to_float(fp8_e4m3_t x) {
    const int e   = (x.bits >> 3) & 0xF;
    const int m   = x.bits & 0x7;
    const float s = (x.bits & 0x80) ? -1.0f : 1.0f;
    if (e == 0xF && m == 0x7) return std::nanf("");
    if (e == 0) return s * std::ldexp(float(m), -9);
    return s * std::ldexp(1.0f + float(m) / 8.0f, e - 7);
}

std::vector<bf16_t> to_bf16(const std::vector<float>& x) {
    std::vector<bf16_t> out(x.size());
    for (size_t i = 0; i < x.size(); ++i)
        out[i] = to_bf16(x[i]);
    return out;
}

std::vector<float> to_float(const std::vector<bf16_t>& x) {
    std::vector<float> out(x.size());
    for (size_t i = 0; i < x.size(); ++i)
        out[i] = to_float(x[i]);
    return out;
}

} // namespace moetwin::kernels
