// SPDX-License-Identifier: Apache-2.0
// RMSNorm: boundary checks and the CPU reference (DeepSeek-V3 inference/model.py RMSNorm + act_quant).
#include "engine/kernels/quantize_fp8.hpp"
#include "engine/kernels/rms_norm.hpp"

#include <cmath>
#include <ostream>
#include <vector>

namespace moetwin::kernels {

void validate(const RmsNormParams& p) {
    const char* op = "rms_norm";
    require(p.num_rows >= 0, op, field("num_rows", p.num_rows) + ": must be >= 0");
    require(p.dim > 0 && p.dim % 8 == 0, op, field("dim", p.dim) + ": must be a positive multiple of 8");
    require(p.eps > 0, op, "eps must be > 0");
    require(p.x != nullptr && p.weight != nullptr, op, "x and weight are required");
    require(p.x_row_stride == 0 || (p.x_row_stride >= p.dim && p.x_row_stride % 8 == 0), op,
            field("x_row_stride", p.x_row_stride) + ": must be 0 or a multiple of 8 >= dim");
    require(p.out_row_stride == 0 || (p.out_row_stride >= p.dim && p.out_row_stride % 8 == 0), op,
            field("out_row_stride", p.out_row_stride) + ": must be 0 or a multiple of 8 >= dim");
    require(p.out != nullptr || p.out_fp8 != nullptr, op, "no output: set out and/or out_fp8");
    if (p.out_fp8 != nullptr) {
        require(p.dim % kQuantTile == 0, op, field("dim", p.dim) + ": must be a multiple of 128 for out_fp8");
        require(p.out_fp8_scales != nullptr, op, "out_fp8 needs out_fp8_scales");
    }
}

void rms_norm_ref(const RmsNormParams& p) {
    validate(p);
    const int64_t xs = p.x_row_stride ? p.x_row_stride : p.dim;
    const int64_t os = p.out_row_stride ? p.out_row_stride : p.dim;
    std::vector<float> y(size_t(p.dim));
    for (int64_t r = 0; r < p.num_rows; ++r) {
        const bf16_t* x = p.x + r * xs;
        double ss       = 0;
        for (int64_t i = 0; i < p.dim; ++i)
            ss += double(to_float(x[i])) * double(to_float(x[i]));
        const float inv = float(1.0 / std::sqrt(ss / double(p.dim) + double(p.eps)));
        for (int64_t i = 0; i < p.dim; ++i)
            y[size_t(i)] = round_bf16(to_float(x[i]) * inv * to_float(p.weight[i]));
        if (p.out)
            for (int64_t i = 0; i < p.dim; ++i)
                p.out[r * os + i] = to_bf16(y[size_t(i)]);
        if (p.out_fp8) {
            const Fp8ScaleLayout layout{.rows = p.num_rows, .num_tiles = p.dim / kQuantTile};
            for (int64_t t = 0; t < layout.num_tiles; ++t) {
                float amax = 0;
                for (int64_t i = 0; i < kQuantTile; ++i)
                    amax = std::fmax(amax, std::fabs(y[size_t(t * kQuantTile + i)]));
                const float s = fp8_tile_scale(amax);
                for (int64_t i = 0; i < kQuantTile; ++i)
                    p.out_fp8[r * p.dim + t * kQuantTile + i] = to_fp8_e4m3(y[size_t(t * kQuantTile + i)] / s);
                p.out_fp8_scales[scale_index(layout, r, t)] = s;
            }
        }
    }
}

std::ostream& operator<<(std::ostream& out, const RmsNormParams& p) {
    return out << "RmsNorm{rows=" << p.num_rows << " dim=" << p.dim << " eps=" << p.eps
               << " x_stride=" << (p.x_row_stride ? p.x_row_stride : p.dim) << " out=" << (p.out ? "bf16" : "-")
               << " out_fp8=" << (p.out_fp8 ? "yes" : "no") << "}";
}

} // namespace moetwin::kernels
