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

TEST(Precision, NamesRoundTripAndUnknownNamesAreConfigErrors) {
    for (Precision p : {Precision::Bf16, Precision::Fp8E4m3, Precision::Int4, Precision::Nvfp4})
        EXPECT_EQ(parse_precision(to_string(p)), p);
    try {
        parse_precision("fp16");
        FAIL() << "expected ConfigError";
    } catch (const ConfigError& e) {
        EXPECT_STREQ(e.what(), "\"fp16\" is not a known precision; known: bf16, fp8_e4m3, int4, nvfp4");
    }
    EXPECT_EQ(parse_phase("prefill"), Phase::Prefill);
    EXPECT_THROW(parse_phase("train"), ConfigError);
}

} // namespace
} // namespace moetwin
