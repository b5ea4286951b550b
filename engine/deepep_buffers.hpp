// SPDX-License-Identifier: Apache-2.0
// Sizes of the communication buffers DeepEP allocates on every GPU, reproduced from DeepEP V1
// (csrc/config.hpp LowLatencyLayout and Config::get_{nvl,rdma}_buffer_size_hint; deep_ep/buffer.py
// tuned configs). Pure arithmetic, used by the memory fit; reference §5.2 gives the background.
#pragma once

#include <cstdint>

namespace moetwin {

inline constexpr int kDeepEpMaxNvlPeers  = 8;   // NUM_MAX_NVL_PEERS: GPUs per NVLink domain
inline constexpr int kDeepEpMaxRdmaPeers = 20;  // NUM_MAX_RDMA_PEERS: nodes, i.e. EP160 at most
inline constexpr int kDeepEpAlignment    = 128; // NUM_BUFFER_ALIGNMENT_BYTES

// Bytes of one low-latency buffer message (common/deepep_bytes.hpp, ll_buffer_bytes_per_message):
// 16 B header + max(BF16 hidden, FP8 hidden + hidden/128 fp32 scales). DeepSeek-V3: 14,352 B.
int64_t deepep_low_latency_message_bytes(int64_t hidden);

// Low-latency (pure RDMA, decode) buffer: send and receive buffers of
// num_expert_slots × max_dispatch_tokens_per_rank messages each, both double-buffered, plus two
// 128-B-aligned signalling areas of num_expert_slots ints, rounded as get_low_latency_rdma_size_hint
// does. num_expert_slots counts physical experts (redundant ones included): 288 × 128 tokens ≈ 2.1 GB.
int64_t deepep_low_latency_buffer_bytes(int64_t max_dispatch_tokens_per_rank, int64_t hidden, int64_t num_expert_slots);

struct DeepEpNormalBuffers {
    int64_t nvl_bytes  = 0; // NVLink (intranode) buffer
    int64_t rdma_bytes = 0; // RDMA (internode) buffer; 0 within one node
};

// Normal-mode (prefill) buffers for `num_ranks` EP ranks and `num_sms` communication SMs, the max of
// the dispatch and combine config hints with hidden_bytes = hidden × 2 (DeepEP README example).
// Ranks between tuned sizes use the next larger tuned config (DeepEP itself asserts on them).
// Throws ConfigError when num_ranks > 160, or > 8 and not a multiple of 8, or num_sms is odd.
DeepEpNormalBuffers deepep_normal_buffer_bytes(int64_t hidden, int num_ranks, int num_sms);

} // namespace moetwin
