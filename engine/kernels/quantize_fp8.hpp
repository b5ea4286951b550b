// SPDX-License-Identifier: Apache-2.0
// Activation quantisation to FP8 e4m3 with one fp32 scale per 1×128 tile (DeepSeek-V3 act_quant,
// DeepGEMM/SGLang per_token_group_quant): s = max(amax, 1e-10) / 448, q = x / s saturated to ±448.
// Scales are written in the cuBLASLt VEC128 layout of kernel_params.hpp (tile-major per row segment).
#pragma once

#include "engine/kernels/dtype.hpp"
#include "engine/kernels/kernel_params.hpp"

#include <iosfwd>

namespace moetwin::kernels {

inline constexpr float kQuantAmaxFloor = 1e-10f;

struct QuantizeFp8Params {
    int64_t num_rows = 0;
    int64_t num_cols = 0; // multiple of 128

    const bf16_t* x      = nullptr; // [num_rows, x_row_stride]
    int64_t x_row_stride = 0;       // elements; 0 means num_cols

    fp8_e4m3_t* out = nullptr;   // [num_rows, num_cols]
    float* scales   = nullptr;   // layout `scale_layout`; its rows/num_tiles are filled in from num_rows/num_cols
    Fp8ScaleLayout scale_layout; // segments only (segment_rows or segment_offsets); default one segment
};

void validate(const QuantizeFp8Params& p);
void quantize_fp8_ref(const QuantizeFp8Params& p);
std::ostream& operator<<(std::ostream& out, const QuantizeFp8Params& p);

// The scale of one tile, exactly as the kernels compute it (amax of the BF16 values in the tile).
float fp8_tile_scale(float amax);
// Host helper used by references and tests: quantise one row-major float matrix [rows, cols] (values
// first rounded through BF16) into `q` and tile-major single-segment `scales` [cols/128, rows].
void quantize_rows_fp8(const float* x, int64_t rows, int64_t cols, fp8_e4m3_t* q, float* scales);
// Host helper: quantise a weight [n, k] (float) to FP8 with 128×128 block scales (weight_scale_* layout).
void quantize_weight_fp8(const float* w, int64_t n, int64_t k, fp8_e4m3_t* q, float* scales);

} // namespace moetwin::kernels
