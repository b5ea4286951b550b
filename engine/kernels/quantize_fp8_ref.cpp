// SPDX-License-Identifier: Apache-2.0
// FP8 activation quantisation: boundary checks, the CPU reference and host quantisation helpers.
#include "engine/kernels/quantize_fp8.hpp"

#include <algorithm>
#include <cmath>
#include <ostream>

namespace moetwin::kernels {

float fp8_tile_scale(float amax) {
    return std::fmax(amax, kQuantAmaxFloor) / kFp8E4m3Max;
}

void validate(const QuantizeFp8Params& p) {
    const char* op = "quantize_fp8";
    require(p.num_rows >= 0, op, field("num_rows", p.num_rows) + ": must be >= 0");
    require(p.num_cols > 0 && p.num_cols % kQuantTile == 0, op,
            field("num_cols", p.num_cols) + ": must be a positive multiple of 128");
    require(p.x != nullptr && p.out != nullptr && p.scales != nullptr, op, "x, out and scales are required");
    require(p.x_row_stride == 0 || (p.x_row_stride >= p.num_cols && p.x_row_stride % 8 == 0), op,
            field("x_row_stride", p.x_row_stride) + ": must be 0 or a multiple of 8 >= num_cols");
    require(p.scale_layout.segment_rows >= 0, op, "scale_layout.segment_rows must be >= 0");
    require(p.scale_layout.segment_offsets == nullptr || p.scale_layout.num_segments >= 1, op,
            "scale_layout.segment_offsets needs num_segments >= 1");
}

void quantize_fp8_ref(const QuantizeFp8Params& p) {
    validate(p);
    const int64_t xs      = p.x_row_stride ? p.x_row_stride : p.num_cols;
    Fp8ScaleLayout layout = p.scale_layout;
    layout.rows           = p.num_rows;
    layout.num_tiles      = p.num_cols / kQuantTile;
    for (int64_t r = 0; r < p.num_rows; ++r)
        for (int64_t t = 0; t < layout.num_tiles; ++t) {
            const bf16_t* x = p.x + r * xs + t * kQuantTile;
            float amax      = 0;
            for (int i = 0; i < kQuantTile; ++i)
                amax = std::fmax(amax, std::fabs(to_float(x[i])));
            const float s = fp8_tile_scale(amax);
            for (int i = 0; i < kQuantTile; ++i)
                p.out[r * p.num_cols + t * kQuantTile + i] = to_fp8_e4m3(to_float(x[i]) / s);
            p.scales[scale_index(layout, r, t)] = s;
        }
}

void quantize_rows_fp8(const float* x, int64_t rows, int64_t cols, fp8_e4m3_t* q, float* scales) {
    require(cols % kQuantTile == 0, "quantize_rows_fp8", field("cols", cols) + ": must be a multiple of 128");
    for (int64_t r = 0; r < rows; ++r)
        for (int64_t t = 0; t < cols / kQuantTile; ++t) {
            float amax = 0;
            for (int i = 0; i < kQuantTile; ++i)
                amax = std::fmax(amax, std::fabs(round_bf16(x[r * cols + t * kQuantTile + i])));
            const float s = fp8_tile_scale(amax);
            for (int i = 0; i < kQuantTile; ++i)
                q[r * cols + t * kQuantTile + i] = to_fp8_e4m3(round_bf16(x[r * cols + t * kQuantTile + i]) / s);
            scales[t * rows + r] = s;
        }
}

void quantize_weight_fp8(const float* w, int64_t n, int64_t k, fp8_e4m3_t* q, float* scales) {
    std::fill(scales, scales + weight_scale_count(n, k), 0.0f);
    for (int64_t bn = 0; bn < ceil_div(n, 128); ++bn)
        for (int64_t bk = 0; bk < ceil_div(k, 128); ++bk) {
            const int64_t r1 = std::min(n, (bn + 1) * 128), c1 = std::min(k, (bk + 1) * 128);
            float amax = 0;
            for (int64_t r = bn * 128; r < r1; ++r)
                for (int64_t c = bk * 128; c < c1; ++c)
                    amax = std::fmax(amax, std::fabs(w[r * k + c]));
            const float s = fp8_tile_scale(amax);
            for (int64_t r = bn * 128; r < r1; ++r)
                for (int64_t c = bk * 128; c < c1; ++c)
                    q[r * k + c] = to_fp8_e4m3(w[r * k + c] / s);
            scales[weight_scale_index(k, bn * 128, bk * 128)] = s;
        }
}

std::ostream& operator<<(std::ostream& out, const QuantizeFp8Params& p) {
    out << "QuantizeFp8{rows=" << p.num_rows << " cols=" << p.num_cols;
    if (p.scale_layout.segment_offsets)
        out << " segments=" << p.scale_layout.num_segments;
    else if (p.scale_layout.segment_rows)
        out << " segment_rows=" << p.scale_layout.segment_rows;
    return out << "}";
}

} // namespace moetwin::kernels
