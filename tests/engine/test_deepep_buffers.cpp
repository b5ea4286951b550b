// SPDX-License-Identifier: Apache-2.0
// DeepEP buffer sizes against hand evaluations of DeepEP's csrc/config.hpp formulas.
#include "engine/deepep_buffers.hpp"

#include "common/errors.hpp"

#include <gtest/gtest.h>

namespace moetwin {
namespace {

TEST(DeepEpBuffers, LowLatencyMatchesReference) {
    // 16 + max(7168·2, 7168 + 56·4) = 14,352 B.
    EXPECT_EQ(deepep_low_latency_message_bytes(7168), 14'352);
    // Reference §5.2: 288 experts × 128 tokens ≈ 2.1 GB. Send and receive 288·128·14352 = 529,072,128 B
    // each, both doubled; signalling 2 × align(288·4, 128) = 2,304; then DeepEP's rounding adds 128.
    EXPECT_EQ(deepep_low_latency_buffer_bytes(128, 7168, 288), int64_t{4} * 529'072'128 + 2'304 + 128);
}

TEST(DeepEpBuffers, NormalModeEp32WithTwentyFourSms) {
    // 12 channels. NVL (8 ranks, 4 RDMA ranks, 288 receive tokens):
    //   12·8·(2·4+3)·4 = 4,224 + 12·8·288·(14336 + 8 + 128·8 + 128·4 + 128·4) = 453,206,016 → 453,210,240.
    // RDMA (4 ranks; combine's 128 tokens aligned to its 20-token send chunk = 140):
    //   12·4·18·2·4 = 6,912 + 12·4·140·2·(14336 + 8 + 1024 + 512 + 512 + 16) = 220,523,520
    //   + 1 MiB safety margin → 221,579,008.
    const DeepEpNormalBuffers b = deepep_normal_buffer_bytes(7168, 32, 24);
    EXPECT_EQ(b.nvl_bytes, 453'210'240);
    EXPECT_EQ(b.rdma_bytes, 221'579'008);
}

TEST(DeepEpBuffers, NormalModeLimits) {
    EXPECT_EQ(deepep_normal_buffer_bytes(7168, 8, 20).rdma_bytes, 0); // one node: NVLink only
    // EP40 is not tuned: the EP64 config applies (288 NVL receive tokens): 12·8·(2·5+3)·4 + 453,206,016.
    EXPECT_EQ(deepep_normal_buffer_bytes(7168, 40, 24).nvl_bytes, 4'992 + 453'206'016);
    EXPECT_THROW(deepep_normal_buffer_bytes(7168, 12, 24), ConfigError);  // across nodes, not × 8
    EXPECT_THROW(deepep_normal_buffer_bytes(7168, 168, 24), ConfigError); // > 20 nodes
    EXPECT_THROW(deepep_normal_buffer_bytes(7168, 32, 23), ConfigError);  // odd SM count
}

} // namespace
} // namespace moetwin
