// SPDX-License-Identifier: Apache-2.0
// The SwiGLU MLP used twice in DeepSeek-V3: the shared expert (inter 2048, every token, weight 1) and the
// dense FFN of the first three layers (inter 18432). Composed of gemm (gate_up) → swiglu → gemm (down);
// the builders below give each step's Params so a caller can also time the steps one by one.
#pragma once

#include "engine/kernels/gemm.hpp"
#include "engine/kernels/swiglu.hpp"

#include <iosfwd>

namespace moetwin::kernels {

struct FfnParams {
    int64_t num_rows = 0;
    int64_t hidden   = 0; // 7168
    int64_t inter    = 0; // 2048 shared expert, 18432 dense FFN
    GemmDtype dtype  = GemmDtype::Fp8E4m3;

    const void* x         = nullptr; // [num_rows, hidden] bf16_t, or fp8 with x_scales [hidden/128, num_rows]
    const float* x_scales = nullptr;

    const void* w_gate_up         = nullptr; // [2·inter, hidden]: gate rows then up rows
    const float* w_gate_up_scales = nullptr; // FP8: weight_scale_count(2·inter, hidden)
    const void* w_down            = nullptr; // [hidden, inter]
    const float* w_down_scales    = nullptr; // FP8: weight_scale_count(hidden, inter)

    bf16_t* gate_up   = nullptr; // workspace [num_rows, 2·inter]
    void* act         = nullptr; // workspace [num_rows, inter] bf16_t or fp8 (per dtype)
    float* act_scales = nullptr; // FP8: [inter/128, num_rows]
    bf16_t* out       = nullptr; // [num_rows, hidden]
};

void validate(const FfnParams& p);
GemmParams ffn_gate_up(const FfnParams& p);
SwigluParams ffn_swiglu(const FfnParams& p);
GemmParams ffn_down(const FfnParams& p);
void ffn_ref(const FfnParams& p); // the three references in sequence
std::ostream& operator<<(std::ostream& out, const FfnParams& p);

} // namespace moetwin::kernels
