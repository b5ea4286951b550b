// SPDX-License-Identifier: Apache-2.0
// RMSNorm (DeepSeek-V3 attn_norm, q_a_norm, kv_a_norm, ffn_norm): y = x / sqrt(mean(x²) + eps) · w in
// fp32, rounded to BF16; optionally also quantised to FP8 e4m3 in 1×128 tiles for the next FP8 GEMM
// (DeepSeek's act_quant applied to the BF16 output, fused).
#pragma once

#include "engine/kernels/dtype.hpp"
#include "engine/kernels/kernel_params.hpp"

#include <iosfwd>

namespace moetwin::kernels {

struct RmsNormParams {
    int64_t num_rows = 0; // tokens
    int64_t dim      = 0; // normalised width: 7168 (hidden), 1536 (q_lora), 512 (kv_lora)
    float eps        = 1e-6f;

    const bf16_t* x      = nullptr; // [num_rows, x_row_stride]; the first `dim` columns are normalised
    int64_t x_row_stride = 0;       // elements; 0 means dim (kv_a_norm reads 512 of kv_a_proj's 576)
    const bf16_t* weight = nullptr; // [dim]

    bf16_t* out            = nullptr; // [num_rows, out_row_stride] or nullptr
    int64_t out_row_stride = 0;       // elements; 0 means dim
    fp8_e4m3_t* out_fp8    = nullptr; // [num_rows, dim] or nullptr (needs dim % 128 == 0)
    float* out_fp8_scales  = nullptr; // [dim/128, num_rows] tile-major (Fp8ScaleLayout, one segment)
};

// Throws std::invalid_argument "rms_norm: ..." for an inconsistent Params (no output, bad strides, ...).
void validate(const RmsNormParams& p);
// The same computation on host memory (every pointer in `p` is a host pointer).
void rms_norm_ref(const RmsNormParams& p);
std::ostream& operator<<(std::ostream& out, const RmsNormParams& p);

} // namespace moetwin::kernels
