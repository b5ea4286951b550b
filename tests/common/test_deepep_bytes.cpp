// SPDX-License-Identifier: Apache-2.0
// DeepEP's byte formulas (common/deepep_bytes.hpp) on DeepSeek-V3 (hidden 7168, top-8), by hand:
// 7168 / 128 = 56 fp32 scales = 224 B.
#include "common/deepep_bytes.hpp"

#include <gtest/gtest.h>

namespace moetwin::deepep_bytes {
namespace {

TEST(DeepEpBytes, HiddenStateFormats) {
    EXPECT_EQ(fp8_hidden_bytes(7168), 7168 + 224);
    EXPECT_EQ(bf16_hidden_bytes(7168), 14336);
}

TEST(DeepEpBytes, LowLatencyPerSelectionAndBufferSlot) {
    EXPECT_EQ(ll_dispatch_bytes_per_selection(7168, true), 16 + 7392);
    EXPECT_EQ(ll_dispatch_bytes_per_selection(7168, false), 16 + 14336);
    EXPECT_EQ(ll_combine_bytes_per_selection(7168), 14336);
    EXPECT_EQ(ll_buffer_bytes_per_message(7168), 16 + 14336); // the larger (BF16) format
}

TEST(DeepEpBytes, NormalModePerToken) {
    // dispatch: 7392 + 8 x (4 + 4) = 7456; + 8 SourceMeta = 7464 (NVLink); aligned to 16: 7472 (RDMA).
    EXPECT_EQ(normal_payload_bytes_per_token(7168, 8, true, true), 7456);
    EXPECT_EQ(normal_nvl_bytes_per_token(7168, 8, true, true), 7464);
    EXPECT_EQ(normal_rdma_bytes_per_token(7168, 8, true, true), 7472);
    // combine: 14336 + 8 x 4 = 14368; + 8 = 14376; aligned: 14384. BF16 whatever fp8 says.
    EXPECT_EQ(normal_nvl_bytes_per_token(7168, 8, false, true), 14376);
    EXPECT_EQ(normal_rdma_bytes_per_token(7168, 8, false, false), 14384);
    EXPECT_DOUBLE_EQ(normal_metric_bytes_per_token(7168, true, true), 7392);
    EXPECT_DOUBLE_EQ(normal_metric_bytes_per_token(7168, false, true), 14336);
}

} // namespace
} // namespace moetwin::deepep_bytes
