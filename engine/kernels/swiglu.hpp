// SPDX-License-Identifier: Apache-2.0
// SwiGLU between an expert's (or dense FFN's) gate_up and down GEMMs: h = silu(g)·u with [g | u] the two
// halves of the fused gate_up output, computed in fp32; written as BF16 or as FP8 e4m3 with 1×128 tile
// scales for the FP8 down GEMM (segments = experts in the grouped layouts).
#pragma once

#include "engine/kernels/dtype.hpp"
#include "engine/kernels/kernel_params.hpp"

#include <iosfwd>

namespace moetwin::kernels {

struct SwigluParams {
    int64_t num_rows = 0;
    int64_t inter    = 0; // 2048 (expert), 18432 (dense)

    const bf16_t* gate_up = nullptr; // [num_rows, 2·inter]: gate in [0, inter), up in [inter, 2·inter)

    bf16_t* out           = nullptr; // [num_rows, inter] or nullptr
    fp8_e4m3_t* out_fp8   = nullptr; // [num_rows, inter] or nullptr (inter % 128 == 0)
    float* out_fp8_scales = nullptr; // tile-major per segment
    Fp8ScaleLayout scale_layout;     // segments only; rows/num_tiles are filled in
};

void validate(const SwigluParams& p);
void swiglu_ref(const SwigluParams& p);
std::ostream& operator<<(std::ostream& out, const SwigluParams& p);

} // namespace moetwin::kernels
