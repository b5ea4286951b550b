// SPDX-License-Identifier: Apache-2.0
// Number formats: exact bytes per parameter and per matrix, names round-trip, unknown names rejected.
#include "engine/precision.hpp"

#include "engine/phase.hpp"

#include "common/errors.hpp"

#include <gtest/gtest.h>

namespace moetwin {
namespace {

TEST(Precision, BytesPerParamIncludeScales) {
    EXPECT_EQ(bytes_per_param(Precision::Bf16), 2.0);
    EXPECT_EQ(bytes_per_param(Precision::Fp8E4m3), 1.0 + 4.0 / 16384); // one fp32 per 128×128 block
    EXPECT_EQ(bytes_per_param(Precision::Int4), 0.5625);               // + one BF16 per 32 weights
    EXPECT_EQ(bytes_per_param(Precision::Nvfp4), 0.5625);              // + one FP8 per 16 weights
    EXPECT_EQ(element_bytes(Precision::Fp8E4m3), 1.0);
}

TEST(Precision, MatrixBytesRoundPartialBlocksUp) {
    // DeepSeek-V3 expert down projection [7168, 2048]: 56 × 16 blocks.
    EXPECT_EQ(matrix_bytes(2048, 7168, Precision::Fp8E4m3), 2048 * 7168 + 16 * 56 * 4);
    // kv_a_proj [576, 7168]: 576 = 4.5 blocks → 5.
    EXPECT_EQ(matrix_bytes(7168, 576, Precision::Fp8E4m3), 7168 * 576 + 56 * 5 * 4);
    EXPECT_EQ(matrix_bytes(2048, 7168, Precision::Int4), 2048 * 7168 / 2 + 64 * 7168 * 2);
    EXPECT_EQ(matrix_bytes(2048, 7168, Precision::Nvfp4), 2048 * 7168 / 2 + 128 * 7168 + 4);
    EXPECT_EQ(matrix_bytes(2048, 7168, Precision::Bf16), 2048 * 7168 * 2);
    // Aligned matrices cost exactly bytes_per_param per weight.
    EXPECT_DOUBLE_EQ(double(matrix_bytes(2048, 7168, Precision::Fp8E4m3)),
                     2048.0 * 7168 * bytes_per_param(Precision::Fp8E4m3));
    EXPECT_DOUBLE_EQ(activation_row_bytes(7168, Precision::Fp8E4m3), 7168 + 56 * 4);
    EXPECT_DOUBLE_EQ(activation_row_bytes(7168, Precision::Bf16), 7168 * 2);
}

TEST(Precision, Int4G128AndInt8CountTheirScales) {
    // AWQ/GPTQ group 128: per group of 128 input values and each output column one FP16 scale (2 B) and
    // one 4-bit zero (packed 8 per int32). DeepSeek-V3 expert down [in 2048, out 7168]: 16 groups;
    // scales 16 × 7168 × 2 = 229,376 B, zeros 16 × 896 × 4 = 57,344 B, weights 7,340,032 B.
    EXPECT_EQ(matrix_bytes(2048, 7168, Precision::Int4G128), 7'340'032 + 229'376 + 57'344);
    EXPECT_DOUBLE_EQ(double(matrix_bytes(2048, 7168, Precision::Int4G128)),
                     2048.0 * 7168 * bytes_per_param(Precision::Int4G128)); // aligned: exactly 0.51953125 B
    EXPECT_EQ(bytes_per_param(Precision::Int4G128), 0.51953125);
    // A ragged input dimension rounds the groups up: in 100 -> 1 group, out 9 -> 2 packed int32 zeros.
    EXPECT_EQ(matrix_bytes(100, 9, Precision::Int4G128), 450 + 1 * (9 * 2 + 2 * 4));
    // INT8 W8A8: 1 B per weight + one fp32 scale per output channel; activations 1 B + one fp32 per row.
    EXPECT_EQ(matrix_bytes(2048, 7168, Precision::Int8), 2048 * 7168 + 7168 * 4);
    EXPECT_DOUBLE_EQ(activation_row_bytes(7168, Precision::Int8), 7168 + 4);
    EXPECT_EQ(matrix_bytes(2048, 7168, Precision::Fp16), 2048 * 7168 * 2);
    EXPECT_TRUE(computes_in_weight_format(Precision::Int8));
    EXPECT_FALSE(computes_in_weight_format(Precision::Int4G128)); // dequantised to 16 bits (Marlin, AWQ)
}

TEST(Precision, NamesRoundTripAndUnknownNamesAreConfigErrors) {
    for (const auto& entry : kPrecisions)
        EXPECT_EQ(parse_precision(to_string(entry.value)), entry.value);
    try {
        parse_precision("fp32");
        FAIL() << "expected ConfigError";
    } catch (const ConfigError& e) {
        EXPECT_EQ(std::string(e.what()).rfind("\"fp32\" is not a known precision", 0), 0u) << e.what();
        for (const auto& entry : kPrecisions)
            EXPECT_NE(std::string(e.what()).find(entry.name), std::string::npos) << e.what();
    }
    EXPECT_EQ(parse_phase("prefill"), Phase::Prefill);
    EXPECT_THROW(parse_phase("train"), ConfigError);
}

} // namespace
} // namespace moetwin
