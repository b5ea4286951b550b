// SPDX-License-Identifier: Apache-2.0
// A real token→GPU traffic matrix for the all-to-all benchmark: every source GPU routes its tokens with
// the DeepSeek-V3 gate (moe_gate_ref) on seeded random scores plus a per-expert bias that skews the load,
// experts are placed contiguously (expert e on GPU e / (experts / GPUs)), and a token travels once to each
// GPU that hosts at least one of its experts (DeepEP normal-mode deduplication).
#pragma once

#include <cstdint>
#include <vector>

namespace moetwin::profiler {

struct TrafficConfig {
    int num_gpus           = 8;
    int64_t tokens_per_gpu = 128;
    int num_experts = 256, num_groups = 8, topk_groups = 4, top_k = 8;
    double skew   = 0.0; // std-dev of the per-expert gate bias (0: uniform routing on average)
    uint64_t seed = 1;
};

struct Traffic {
    int num_gpus = 0;
    std::vector<int64_t> tokens;      // [src · num_gpus + dst] token copies src sends to dst
    std::vector<int64_t> expert_load; // [num_experts] (token, expert) pairs
    int64_t sent(int src) const;      // copies a GPU sends (to every destination, itself included)
    int64_t received(int dst) const;
};

// Throws std::invalid_argument when num_experts is not a multiple of num_gpus.
Traffic route_tokens(const TrafficConfig& config);

} // namespace moetwin::profiler
