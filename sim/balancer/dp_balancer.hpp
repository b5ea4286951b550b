// SPDX-License-Identifier: Apache-2.0
// Data-parallel attention balancers (reference §3, Day-6 overview): the prefill LB balances
// core-attention work and input tokens per GPU; the decode LB balances KV-cache usage and request
// count per GPU. One policy per file under dp/, each with a round-robin baseline.
#pragma once

#include <span>
#include <string_view>
#include <vector>

namespace moetwin::balancer {

struct PrefillRequest {
    long long input_tokens  = 0; // new tokens to prefill
    long long cached_tokens = 0; // prefix already in the KV cache (attended to, not recomputed)
};

// Causal core attention: new token i (1-based) attends to cached + i keys, so the work in
// query-key pairs is n·c + n(n+1)/2 for n new and c cached tokens.
double core_attention_pairs(const PrefillRequest& r);

struct DecodeRequest {
    long long kv_tokens = 0; // KV-cache tokens the request holds when it joins (prompt + generated)
};

struct DecodeGpuState {
    long long kv_tokens = 0;
    int num_requests    = 0;
};

// Contract: a DP policy is a pure, deterministic function returning, for every request in order,
// the GPU in [0, num_gpus) that runs it. Decode policies also see the GPUs' current state
// (initial.size() == num_gpus) and place requests in arrival order (online).
using PrefillDpFn = std::vector<int> (*)(std::span<const PrefillRequest> batch, int num_gpus);
using DecodeDpFn  = std::vector<int> (*)(std::span<const DecodeRequest> arrivals,
                                        std::span<const DecodeGpuState> initial);

std::vector<int> prefill_dp_round_robin(std::span<const PrefillRequest> batch,
                                        int num_gpus);                                     // dp/prefill_round_robin.cpp
std::vector<int> prefill_dp_balanced(std::span<const PrefillRequest> batch, int num_gpus); // dp/prefill_balanced.cpp
std::vector<int> decode_dp_round_robin(std::span<const DecodeRequest> arrivals,
                                       std::span<const DecodeGpuState> initial); // dp/decode_round_robin.cpp
std::vector<int> decode_dp_balanced(std::span<const DecodeRequest> arrivals,
                                    std::span<const DecodeGpuState> initial); // dp/decode_balanced.cpp

struct DpBalance {
    double attention_or_kv_ratio = 0; // busiest / mean: core-attention pairs (prefill) or KV tokens (decode)
    double tokens_or_count_ratio = 0; // busiest / mean: input tokens (prefill) or requests (decode)
};

// Throws ConfigError if a GPU index is out of range or the sizes differ.
DpBalance prefill_balance(std::span<const PrefillRequest> batch, std::span<const int> gpu_of, int num_gpus);
DpBalance decode_balance(std::span<const DecodeRequest> arrivals, std::span<const DecodeGpuState> initial,
                         std::span<const int> gpu_of);

struct PrefillDpPolicy {
    std::string_view name;
    PrefillDpFn assign;
};
struct DecodeDpPolicy {
    std::string_view name;
    DecodeDpFn assign;
};
std::span<const PrefillDpPolicy> prefill_dp_policies();
std::span<const DecodeDpPolicy> decode_dp_policies();

} // namespace moetwin::balancer
