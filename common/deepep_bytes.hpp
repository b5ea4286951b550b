// SPDX-License-Identifier: Apache-2.0
// DeepEP's byte formulas, once: how many bytes one token (normal mode) or one (token, expert)
// selection (low-latency mode) occupies on the wire and in DeepEP's buffers, as DeepEP V1 lays
// them out (csrc/kernels/internode.cu, internode_ll.cu, csrc/config.hpp; reference §5). Header
// only, in common/ because the network model (sim/network), the memory fit (engine/deepep_buffers),
// the op list (engine/ffn_ops), the balancer's IB bytes and the NCCL benchmark (engine/profiler)
// all size the same messages. DeepSeek-V3 (hidden 7168, top-8) values are given beside each.
#pragma once

#include <algorithm>
#include <cstdint>

namespace moetwin::deepep_bytes {

inline constexpr std::int64_t kScaleBlock = 128; // FP8 activations carry one fp32 scale per 1×128 tile (reference §1.3)
inline constexpr std::int64_t kScaleBytes    = 4;  // fp32
inline constexpr std::int64_t kLlHeaderBytes = 16; // low-latency message header: one int4 (internode_ll.cu)
inline constexpr std::int64_t kSourceMetaBytes =
    8; // internode::SourceMeta {int src_rdma_rank, is_token_in_nvl_rank_bits}
inline constexpr std::int64_t kTopkIndexBytes  = 4; // int per top-k index (normal-mode dispatch)
inline constexpr std::int64_t kTopkWeightBytes = 4; // float per top-k weight (dispatch and combine)

// One token's hidden state in FP8 with its 1×128 scales: hidden + hidden/128 × 4 = 7,392 B.
constexpr std::int64_t fp8_hidden_bytes(std::int64_t hidden) {
    return hidden + hidden / kScaleBlock * kScaleBytes;
}
// One token's hidden state in BF16: hidden × 2 = 14,336 B.
constexpr std::int64_t bf16_hidden_bytes(std::int64_t hidden) {
    return hidden * 2;
}

// Low-latency dispatch, bytes per selection: header + the hidden state (FP8 with scales, or BF16)
// = 7,408 B in FP8.
constexpr std::int64_t ll_dispatch_bytes_per_selection(std::int64_t hidden, bool fp8) {
    return kLlHeaderBytes + (fp8 ? fp8_hidden_bytes(hidden) : bf16_hidden_bytes(hidden));
}
// Low-latency combine, bytes per selection: the BF16 hidden state = 14,336 B.
constexpr std::int64_t ll_combine_bytes_per_selection(std::int64_t hidden) {
    return bf16_hidden_bytes(hidden);
}
// Low-latency buffer slot, bytes per message: header + the larger of the two formats, as
// LowLatencyLayout sizes it (num_bytes_per_msg) = 16 + max(14,336, 7,392) = 14,352 B.
constexpr std::int64_t ll_buffer_bytes_per_message(std::int64_t hidden) {
    return kLlHeaderBytes + std::max(bf16_hidden_bytes(hidden), fp8_hidden_bytes(hidden));
}

// Normal mode, one token's payload without SourceMeta: the hidden state plus the top-k fields,
// dispatch carrying indices and weights (FP8: 7,392 + 8 × 8 = 7,456 B), combine the weights only
// (14,336 + 8 × 4 = 14,368 B).
constexpr std::int64_t normal_payload_bytes_per_token(std::int64_t hidden, int num_topk, bool dispatch, bool fp8) {
    const std::int64_t topk_fields = (dispatch ? kTopkIndexBytes + kTopkWeightBytes : kTopkWeightBytes) * num_topk;
    return (dispatch && fp8 ? fp8_hidden_bytes(hidden) : bf16_hidden_bytes(hidden)) + topk_fields;
}
// Normal mode, bytes per token over NVLink: payload + SourceMeta (7,464 B dispatch, 14,376 B combine).
constexpr std::int64_t normal_nvl_bytes_per_token(std::int64_t hidden, int num_topk, bool dispatch, bool fp8) {
    return normal_payload_bytes_per_token(hidden, num_topk, dispatch, fp8) + kSourceMetaBytes;
}
// Normal mode, bytes per token over RDMA: the NVLink layout aligned to 16 B
// (get_num_bytes_per_rdma_token): 7,472 B dispatch, 14,384 B combine.
constexpr std::int64_t normal_rdma_bytes_per_token(std::int64_t hidden, int num_topk, bool dispatch, bool fp8) {
    return (normal_nvl_bytes_per_token(hidden, num_topk, dispatch, fp8) + 15) / 16 * 16;
}
// What DeepEP's tests count per token to report bandwidth (tests/test_internode.py): the BF16
// hidden state, times fp8_factor = (1 + 4/128) / 2 for FP8 dispatch (7,392 B, = fp8_hidden_bytes
// when 128 divides hidden); 14,336 B for combine.
constexpr double normal_metric_bytes_per_token(std::int64_t hidden, bool dispatch, bool fp8) {
    const double bf16 = double(bf16_hidden_bytes(hidden));
    return dispatch && fp8 ? bf16 * (1 + double(kScaleBytes) / double(kScaleBlock)) / 2 : bf16;
}

} // namespace moetwin::deepep_bytes
