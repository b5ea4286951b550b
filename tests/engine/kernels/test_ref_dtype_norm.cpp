// SPDX-License-Identifier: Apache-2.0
// CPU references, hand-computed: BF16/FP8 rounding, RMSNorm, FP8 activation quantisation (scale layouts),
// SwiGLU.
#include "engine/kernels/dtype.hpp"
#include "engine/kernels/quantize_fp8.hpp"
#include "engine/kernels/rms_norm.hpp"
#include "engine/kernels/swiglu.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

namespace moetwin::kernels {
namespace {

TEST(RefDtype, Bf16RoundsToNearestEven) {
    EXPECT_EQ(to_bf16(1.0f).bits, 0x3F80);
    EXPECT_EQ(to_bf16(1.0f + 1.0f / 256).bits, 0x3F80); // halfway, even stays
    EXPECT_EQ(to_bf16(1.0f + 3.0f / 256).bits, 0x3F82); // halfway, odd rounds up
    EXPECT_EQ(to_bf16(1.0f + 1.0f / 256 + 1e-6f).bits, 0x3F81);
    EXPECT_EQ(to_bf16(-2.0f).bits, 0xC000);
    EXPECT_TRUE(std::isnan(to_float(to_bf16(std::numeric_limits<float>::quiet_NaN()))));
    EXPECT_EQ(round_bf16(1.6970563f), 1.6953125f); // 1 + 89/128
}

TEST(RefDtype, Fp8E4m3RoundsAndSaturates) {
    EXPECT_EQ(to_fp8_e4m3(1.0f).bits, 0x38);
    EXPECT_EQ(to_fp8_e4m3(-2.0f).bits, 0xC0);
    EXPECT_EQ(to_fp8_e4m3(448.0f).bits, 0x7E);
    EXPECT_EQ(to_fp8_e4m3(1e6f).bits, 0x7E); // satfinite
    EXPECT_EQ(to_fp8_e4m3(-1e6f).bits, 0xFE);
    EXPECT_EQ(to_fp8_e4m3(1.0625f).bits, 0x38);                   // halfway 1 / 1.125: even
    EXPECT_EQ(to_fp8_e4m3(1.1875f).bits, 0x3A);                   // halfway 1.125 / 1.25: even (1.25)
    EXPECT_EQ(to_fp8_e4m3(std::ldexp(1.0f, -9)).bits, 0x01);      // smallest subnormal
    EXPECT_EQ(to_fp8_e4m3(std::ldexp(1.0f, -10)).bits, 0x00);     // half of it: even (0)
    EXPECT_EQ(to_fp8_e4m3(3 * std::ldexp(1.0f, -10)).bits, 0x02); // 1.5 units: even (2)
    EXPECT_EQ(to_fp8_e4m3(std::ldexp(1.0f, -6)).bits, 0x08);      // smallest normal
    EXPECT_EQ(to_fp8_e4m3(std::numeric_limits<float>::quiet_NaN()).bits, 0x7F);
    EXPECT_EQ(to_float(fp8_e4m3_t{0x7E}), 448.0f);
    EXPECT_EQ(to_float(fp8_e4m3_t{0x01}), std::ldexp(1.0f, -9));
    for (int code = 0; code < 256; ++code) { // every finite code survives a round trip
        if ((code & 0x7F) == 0x7F) continue;
        EXPECT_EQ(to_fp8_e4m3(to_float(fp8_e4m3_t{uint8_t(code)})).bits, code) << code;
    }
}

TEST(RefRmsNorm, HandComputedRow) {
    // x = [3, 4, 0 ...] (dim 8): mean(x²) = 25/8, so y = x / sqrt(3.125).
    std::vector<bf16_t> x = to_bf16(std::vector<float>{3, 4, 0, 0, 0, 0, 0, 0});
    std::vector<bf16_t> w = to_bf16(std::vector<float>(8, 1.0f)), y(8);
    RmsNormParams p;
    p.num_rows = 1, p.dim = 8, p.x = x.data(), p.weight = w.data(), p.out = y.data();
    rms_norm_ref(p);
    EXPECT_EQ(to_float(y[0]), 1.6953125f); // 1.69706 in BF16
    EXPECT_EQ(to_float(y[1]), 2.265625f);  // 2.26274 in BF16
    EXPECT_EQ(to_float(y[2]), 0.0f);
}

TEST(RefRmsNorm, StridedInputAndFp8Output) {
    // Two rows of 128 ones inside rows of stride 136; weight 2: y = 2 everywhere; FP8: scale 2/448, q = 448.
    std::vector<bf16_t> x(2 * 136, to_bf16(1.0f)), w(128, to_bf16(2.0f));
    std::vector<fp8_e4m3_t> q(2 * 128);
    std::vector<float> scales(2);
    RmsNormParams p;
    p.num_rows = 2, p.dim = 128, p.x = x.data(), p.x_row_stride = 136, p.weight = w.data();
    p.out_fp8 = q.data(), p.out_fp8_scales = scales.data();
    rms_norm_ref(p);
    EXPECT_FLOAT_EQ(scales[0], 2.0f / 448);
    EXPECT_FLOAT_EQ(scales[1], 2.0f / 448);
    EXPECT_EQ(q[0].bits, 0x7E);
    EXPECT_EQ(q[255].bits, 0x7E);
}

TEST(RefQuantize, TileScalesAndSegmentLayout) {
    // 3 rows × 256 cols; row r, tile t holds the value (r+1)(t+1): amax = (r+1)(t+1).
    std::vector<bf16_t> x(3 * 256);
    for (int r = 0; r < 3; ++r)
        for (int c = 0; c < 256; ++c)
            x[size_t(r * 256 + c)] = to_bf16(float((r + 1) * (c / 128 + 1)));
    std::vector<fp8_e4m3_t> q(3 * 256);
    std::vector<float> s(6, -1);
    const std::vector<int32_t> offsets{0, 1, 3}; // segments: row 0 | rows 1-2
    QuantizeFp8Params p;
    p.num_rows = 3, p.num_cols = 256, p.x = x.data(), p.out = q.data(), p.scales = s.data();
    p.scale_layout.segment_offsets = offsets.data(), p.scale_layout.num_segments = 2;
    quantize_fp8_ref(p);
    // Segment 0 (1 row) at 0: [t]; segment 1 (2 rows) at 2: [t·2 + (r-1)].
    EXPECT_FLOAT_EQ(s[0], 1.0f / 448);
    EXPECT_FLOAT_EQ(s[1], 2.0f / 448);
    EXPECT_FLOAT_EQ(s[2], 2.0f / 448); // row 1, tile 0
    EXPECT_FLOAT_EQ(s[3], 3.0f / 448); // row 2, tile 0
    EXPECT_FLOAT_EQ(s[4], 4.0f / 448); // row 1, tile 1
    EXPECT_FLOAT_EQ(s[5], 6.0f / 448); // row 2, tile 1
    for (const fp8_e4m3_t v : q)
        EXPECT_EQ(v.bits, 0x7E); // every value is its tile's amax
    // Uniform segments of 2 rows (masked layout) over the same 3 rows: the last segment has 1 row.
    Fp8ScaleLayout l{.rows = 3, .num_tiles = 2, .segment_rows = 2};
    EXPECT_EQ(scale_index(l, 0, 1), 2);
    EXPECT_EQ(scale_index(l, 1, 1), 3);
    EXPECT_EQ(scale_index(l, 2, 0), 4);
    EXPECT_EQ(scale_index(l, 2, 1), 5);
    EXPECT_EQ(fp8_tile_scale(0.0f), 1e-10f / 448); // all-zero tile: the amax floor
}

TEST(RefQuantize, WeightBlockScaleLayout) {
    EXPECT_EQ(weight_scale_ld(7168), 56);
    EXPECT_EQ(weight_scale_ld(1536), 12);
    EXPECT_EQ(weight_scale_ld(512), 4);
    EXPECT_EQ(weight_scale_ld(256), 4);               // 2 blocks padded to 4 (cuBLASLt BLK128x128)
    EXPECT_EQ(weight_scale_count(576, 7168), 5 * 56); // kv_a_proj: 4.5 row blocks round up
    EXPECT_EQ(weight_scale_index(7168, 130, 300), 56 + 2);
    // A 130×256 weight with value 1 in row block 0 and 3 in row block 1.
    std::vector<float> w(130 * 256, 1.0f);
    for (int c = 0; c < 256; ++c)
        w[size_t(129 * 256 + c)] = w[size_t(128 * 256 + c)] = 3.0f;
    std::vector<fp8_e4m3_t> q(w.size());
    std::vector<float> s(size_t(weight_scale_count(130, 256)));
    quantize_weight_fp8(w.data(), 130, 256, q.data(), s.data());
    EXPECT_FLOAT_EQ(s[0], 1.0f / 448);
    EXPECT_FLOAT_EQ(s[1], 1.0f / 448);
    EXPECT_FLOAT_EQ(s[4], 3.0f / 448);
    EXPECT_FLOAT_EQ(s[5], 3.0f / 448);
    EXPECT_EQ(s[2], 0.0f); // padding
}

TEST(RefSwiglu, SiluTimesUpAndFp8Segments) {
    // gate_up rows: [g | u] with inter 128; row 0: g = 1, u = 2 -> 2·sigmoid(1) = 1.4621172 -> BF16 1.4609375.
    std::vector<bf16_t> gu(2 * 256);
    for (int i = 0; i < 128; ++i) {
        gu[size_t(i)] = to_bf16(1.0f), gu[size_t(128 + i)] = to_bf16(2.0f);
        gu[size_t(256 + i)] = to_bf16(0.0f), gu[size_t(384 + i)] = to_bf16(5.0f); // silu(0) = 0
    }
    std::vector<bf16_t> out(256);
    std::vector<fp8_e4m3_t> q(256);
    std::vector<float> s(2);
    SwigluParams p;
    p.num_rows = 2, p.inter = 128, p.gate_up = gu.data(), p.out = out.data();
    p.out_fp8 = q.data(), p.out_fp8_scales = s.data(), p.scale_layout.segment_rows = 1;
    swiglu_ref(p);
    EXPECT_EQ(to_float(out[0]), 1.4609375f);
    EXPECT_EQ(to_float(out[128]), 0.0f);
    EXPECT_FLOAT_EQ(s[0], 1.4609375f / 448);
    EXPECT_FLOAT_EQ(s[1], 1e-10f / 448);
    EXPECT_EQ(q[0].bits, 0x7E);
    EXPECT_EQ(q[128].bits, 0x00);
}

} // namespace
} // namespace moetwin::kernels
