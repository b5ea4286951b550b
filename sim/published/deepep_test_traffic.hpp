// SPDX-License-Identifier: Apache-2.0
// The token routing DeepEP V1's own tests use (tests/test_internode.py, test_intranode.py,
// test_low_latency.py at commit ebfe47e), turned into TrafficMatrix objects for calibration.
#pragma once

#include "sim/network/deepep.hpp"
#include "sim/network/traffic_matrix.hpp"

#include <cstdint>

namespace moetwin {

struct DeepEpTestSettings {
    DeepEpMode mode       = DeepEpMode::Normal;
    int num_ranks         = 8;
    int gpus_per_node     = 8;
    int num_tokens        = 4096; // per rank
    int num_experts       = 256;
    int num_topk          = 8;
    int num_topk_groups   = 0; // node-limited routing: top groups (= nodes) by max score; 0 = unlimited
    int masked_selections = 0; // LL test: 10 random (token, k) positions set to -1 per rank
    std::uint64_t seed    = 1;
    int num_nodes() const { return (num_ranks + gpus_per_node - 1) / gpus_per_node; }
};

// Normal kernels: 4096 tokens, hidden 7168, top-8 of (256 / ep) * ep experts; internode runs (ep > 8)
// limit each token to min(nodes, 4) nodes (test_internode.py: num_topk_groups = min(num_nodes, 4)).
DeepEpTestSettings deepep_normal_test(int ep, std::uint64_t seed = 1);

// Low-latency kernels: 128 tokens, top-8 of 288 experts, 10 masked selections per rank.
// NOTES: the test asserts num_experts % num_ranks == 0, which 288 fails for EP 64, 128 and 256; the
// published rows must have used other counts. We round up to the next multiple of ep (320, 384,
// 512). Bytes are unchanged (1,024 selections per rank); only receiver imbalance shifts slightly.
DeepEpTestSettings deepep_low_latency_test(int ep, std::uint64_t seed = 1);

// Scores are iid per (token, expert) as in the tests (|N(0,1)| + 1); top-k and group choices
// depend only on their order, so uniform draws from a seeded xoshiro256** give the same law.
TrafficMatrix deepep_test_traffic(const DeepEpTestSettings& s);

} // namespace moetwin
