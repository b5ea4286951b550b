// SPDX-License-Identifier: Apache-2.0
// DeepEP buffer sizing; formulas transcribed from DeepEP V1 csrc/config.hpp, tuned configs from
// deep_ep/buffer.py (commit 04b06f7; reference §5.2 lists the same receive sizes).
#include "engine/deepep_buffers.hpp"

#include "common/deepep_bytes.hpp"
#include "common/errors.hpp"

#include <algorithm>
#include <array>
#include <string>

namespace moetwin {
namespace {

using deepep_bytes::kSourceMetaBytes;
constexpr int64_t kNumMaxTopK   = 128; // assumptions inside the size hints
constexpr int64_t kNumMaxScales = 128;

constexpr int64_t align_up(int64_t a, int64_t b) {
    return (a + b - 1) / b * b;
}

// Config(num_sms, nvl_send, nvl_recv, rdma_send, rdma_recv); only the receive sizes (rdma_recv
// aligned up to rdma_send, as the Config constructor does) and num_sms enter the hints.
struct ChunkConfig {
    int nvl_send, nvl_recv, rdma_send, rdma_recv;
};
struct TunedConfig {
    int num_ranks;
    ChunkConfig dispatch, combine;
};
constexpr std::array<TunedConfig, 10> kTuned = {{
    {2, {24, 256, 6, 128}, {10, 256, 6, 128}},
    {4, {6, 256, 6, 128}, {9, 256, 6, 128}},
    {8, {6, 256, 6, 128}, {4, 256, 6, 128}},
    {16, {16, 288, 20, 128}, {2, 288, 28, 128}},
    {24, {8, 288, 32, 128}, {1, 288, 20, 128}},
    {32, {8, 288, 32, 128}, {1, 288, 20, 128}},
    {64, {20, 288, 28, 128}, {1, 288, 20, 128}},
    {128, {20, 560, 32, 128}, {1, 560, 12, 128}},
    {144, {32, 720, 12, 128}, {2, 720, 8, 128}},
    {160, {28, 720, 12, 128}, {2, 720, 8, 128}},
}};

int64_t nvl_hint(const ChunkConfig& c, int64_t hidden_bytes, int num_ranks, int num_sms) {
    const int64_t rdma_ranks = std::max(num_ranks / kDeepEpMaxNvlPeers, 1);
    const int64_t nvl_ranks  = std::min(num_ranks, kDeepEpMaxNvlPeers);
    const int64_t channels   = num_sms / 2;
    const int64_t slots      = channels * nvl_ranks * c.nvl_recv;
    int64_t bytes            = channels * nvl_ranks * (2 * rdma_ranks + 3) * 4;
    bytes += slots * (hidden_bytes + kSourceMetaBytes + kNumMaxTopK * 8 + kNumMaxTopK * 4 + kNumMaxScales * 4);
    return align_up(bytes, 128);
}

int64_t rdma_hint(const ChunkConfig& c, int64_t hidden_bytes, int num_ranks, int num_sms) {
    if (num_ranks <= kDeepEpMaxNvlPeers) return 0;
    const int64_t rdma_ranks = num_ranks / kDeepEpMaxNvlPeers;
    const int64_t channels   = num_sms / 2;
    const int64_t recv       = align_up(c.rdma_recv, c.rdma_send);
    const int64_t slots      = channels * rdma_ranks * recv;
    int64_t bytes            = channels * rdma_ranks * (kDeepEpMaxNvlPeers * 2 + 2) * 2 * 4;
    bytes += slots * 2 * (hidden_bytes + kSourceMetaBytes + kNumMaxTopK * 8 + kNumMaxTopK * 4 + kNumMaxScales * 4 + 16);
    bytes += 1048576; // "add a large number to be safe"
    return align_up(bytes, 128);
}

} // namespace

int64_t deepep_low_latency_message_bytes(int64_t hidden) {
    return deepep_bytes::ll_buffer_bytes_per_message(hidden);
}

int64_t deepep_low_latency_buffer_bytes(int64_t max_dispatch_tokens_per_rank, int64_t hidden,
                                        int64_t num_expert_slots) {
    const int64_t msg = deepep_low_latency_message_bytes(hidden);
    const int64_t send =
        std::max(max_dispatch_tokens_per_rank * msg, num_expert_slots * max_dispatch_tokens_per_rank * msg);
    const int64_t recv      = num_expert_slots * max_dispatch_tokens_per_rank * msg;
    const int64_t signaling = align_up(num_expert_slots * 4, 128);
    const int64_t total     = 2 * send + 2 * recv + 2 * signaling;
    return (total + kDeepEpAlignment) / kDeepEpAlignment * kDeepEpAlignment; // as DeepEP rounds (always adds)
}

DeepEpNormalBuffers deepep_normal_buffer_bytes(int64_t hidden, int num_ranks, int num_sms) {
    if (num_sms < 2 || num_sms % 2 != 0)
        throw ConfigError("DeepEP normal mode: num_sms = " + std::to_string(num_sms) + " must be even and >= 2");
    if (num_ranks < 1 || num_ranks > kDeepEpMaxNvlPeers * kDeepEpMaxRdmaPeers)
        throw ConfigError("DeepEP normal mode: " + std::to_string(num_ranks) + " EP ranks: must be in [1, " +
                          std::to_string(kDeepEpMaxNvlPeers * kDeepEpMaxRdmaPeers) + "]");
    if (num_ranks > kDeepEpMaxNvlPeers && num_ranks % kDeepEpMaxNvlPeers != 0)
        throw ConfigError("DeepEP normal mode: " + std::to_string(num_ranks) +
                          " EP ranks across nodes must be a multiple of 8");
    const auto tuned =
        std::find_if(kTuned.begin(), kTuned.end(), [&](const TunedConfig& t) { return t.num_ranks >= num_ranks; });
    const int64_t hidden_bytes = hidden * 2;
    DeepEpNormalBuffers b;
    for (const ChunkConfig& c : {tuned->dispatch, tuned->combine}) {
        b.nvl_bytes  = std::max(b.nvl_bytes, nvl_hint(c, hidden_bytes, num_ranks, num_sms));
        b.rdma_bytes = std::max(b.rdma_bytes, rdma_hint(c, hidden_bytes, num_ranks, num_sms));
    }
    return b;
}

} // namespace moetwin
