// SPDX-License-Identifier: Apache-2.0
// SwiGLU: boundary checks and the CPU reference.
#include "engine/kernels/quantize_fp8.hpp"
#include "engine/kernels/swiglu.hpp"

#include <cmath>
#include <ostream>
#include <vector>

namespace moetwin::kernels {

void validate(const SwigluParams& p) {
    const char* op = "swiglu";
    require(p.num_rows >= 0, op, field("num_rows", p.num_rows) + ": must be >= 0");
    require(p.inter > 0 && p.inter % 8 == 0, op, field("inter", p.inter) + ": must be a positive multiple of 8");
    require(p.gate_up != nullptr, op, "gate_up is required");
    require(p.out != nullptr || p.out_fp8 != nullptr, op, "no output: set out and/or out_fp8");
    if (p.out_fp8) {
        require(p.inter % kQuantTile == 0, op, field("inter", p.inter) + ": must be a multiple of 128 for out_fp8");
        require(p.out_fp8_scales != nullptr, op, "out_fp8 needs out_fp8_scales");
        require(p.scale_layout.segment_offsets == nullptr || p.scale_layout.num_segments >= 1, op,
                "scale_layout.segment_offsets needs num_segments >= 1");
    }
}

void swiglu_ref(const SwigluParams& p) {
    validate(p);
    Fp8ScaleLayout layout = p.scale_layout;
    layout.rows           = p.num_rows;
    layout.num_tiles      = p.inter / kQuantTile;
    std::vector<float> h(size_t(p.inter));
    for (int64_t r = 0; r < p.num_rows; ++r) {
        const bf16_t* gu = p.gate_up + r * 2 * p.inter;
        for (int64_t i = 0; i < p.inter; ++i) {
            const float g = to_float(gu[i]), u = to_float(gu[p.inter + i]);
            h[size_t(i)] = round_bf16(g / (1.0f + std::exp(-g)) * u);
        }
        if (p.out)
            for (int64_t i = 0; i < p.inter; ++i)
                p.out[r * p.inter + i] = to_bf16(h[size_t(i)]);
        if (p.out_fp8)
            for (int64_t t = 0; t < layout.num_tiles; ++t) {
                float amax = 0;
                for (int i = 0; i < kQuantTile; ++i)
                    amax = std::fmax(amax, std::fabs(h[size_t(t * kQuantTile + i)]));
                const float s = fp8_tile_scale(amax);
                for (int i = 0; i < kQuantTile; ++i)
                    p.out_fp8[r * p.inter + t * kQuantTile + i] = to_fp8_e4m3(h[size_t(t * kQuantTile + i)] / s);
                p.out_fp8_scales[scale_index(layout, r, t)] = s;
            }
    }
}

std::ostream& operator<<(std::ostream& out, const SwigluParams& p) {
    return out << "Swiglu{rows=" << p.num_rows << " inter=" << p.inter << " out=" << (p.out ? "bf16" : "-")
               << " out_fp8=" << (p.out_fp8 ? "yes" : "no") << "}";
}

} // namespace moetwin::kernels
