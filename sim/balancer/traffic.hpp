// SPDX-License-Identifier: Apache-2.0
// What a placement + dispatch policy cost on the network for a token sample: tokens each GPU
// receives in dispatch, and InfiniBand bytes under node-limited routing (DeepEP: a token crosses IB
// once per remote node it targets, then fans out over NVLink).
#pragma once

#include "common/deepep_bytes.hpp"
#include "moe/token_sampler.hpp"
#include "sim/balancer/dispatch.hpp"

#include <iosfwd>
#include <vector>

namespace moetwin::balancer {

// Bytes per token crossing IB to one node (reference §1.1 dim 7168; §3: FP8 dispatch, BF16
// combine). FP8 dispatch carries one float scale per 128 values (reference §1.3: 1×128 tiles).
struct TrafficSpec {
    double dispatch_bytes_per_token = double(deepep_bytes::fp8_hidden_bytes(7168));  // 7392 B
    double combine_bytes_per_token  = double(deepep_bytes::bf16_hidden_bytes(7168)); // 14336 B
    void validate() const;
};

std::ostream& operator<<(std::ostream& os, const TrafficSpec& t);

// NOTES: the per-GPU arrays are what the step simulator's dispatch/combine and expert-GEMM ops
// need (tokens to send to / compute on each GPU for this layer).
struct LayerTraffic {
    std::vector<int> recv_tokens_per_gpu; // [num_gpus]: distinct tokens each GPU receives
    std::vector<long long> pairs_per_gpu; // [num_gpus]: (token, expert) pairs each GPU computes
    int max_recv_tokens     = 0;          // busiest GPU: distinct tokens it receives
    double mean_recv_tokens = 0;
    long long max_pairs     = 0; // busiest GPU: (token, expert) pairs it computes
    double mean_pairs       = 0;
    long long ib_transfers  = 0; // Σ over tokens of remote nodes targeted
};

struct TrafficSummary {
    std::vector<LayerTraffic> layers;
    double mean_max_recv_tokens   = 0; // mean over layers
    int worst_max_recv_tokens     = 0;
    double mean_pair_ratio        = 0; // realised busiest / mean pairs, mean over layers
    double ib_bytes_per_token     = 0; // per token per MoE layer, dispatch + combine, mean over layers
    double remote_nodes_per_token = 0;
};

// Token t starts on GPU t % spec.num_gpus. Placement and sample must have the same layers.
TrafficSummary measure_traffic(const Placement& p, const PlacementSpec& spec, const TokenSample& sample,
                               DispatchFn dispatch, const TrafficSpec& bytes = {});

} // namespace moetwin::balancer
