// SPDX-License-Identifier: Apache-2.0
// sample_moe_traffic(): a skewed, DeepSeek-V3-like token -> GPU traffic matrix for benchmarks and
// tests: lognormal expert popularity, the hottest experts replicated, top-k per token drawn with
// probability proportional to popularity (the gate law of moe/gate_law.hpp with a single
// group: no group or node limit). The step simulator uses its own routing and placement
// (sim/balancer); this exists so the network layer can be exercised on realistic skew alone.
#pragma once

#include "sim/network/traffic_matrix.hpp"

#include <cstdint>

namespace moetwin {

struct MoeTrafficSettings {
    int num_ranks           = 144; // DeepSeek decode unit: 18 nodes x 8 GPUs (reference §3)
    int gpus_per_node       = 8;
    int tokens_per_rank     = 128; // decode batch per GPU (reference §5.1 low-latency setting)
    int num_topk            = 8;
    int num_experts         = 256;
    int redundant_experts   = 32;   // reference §3: 32 redundant experts
    double popularity_sigma = 0.64; // lognormal sigma of expert popularity (scenarios' decode default)
    std::uint64_t seed      = 1;
};

// (num_experts + redundant_experts) must be a multiple of num_ranks (ConfigError otherwise).
// Slots are placed greedily, heaviest replica first, on the least loaded rank with room (EPLB-like).
TrafficMatrix sample_moe_traffic(const MoeTrafficSettings& s);

} // namespace moetwin
