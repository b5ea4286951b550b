// SPDX-License-Identifier: Apache-2.0
// RankBatch: what each data-parallel attention rank carries in one step, per micro-batch: its own
// requests with their own KV lengths (so attention time differs per rank and stragglers show).
#pragma once

#include "sim/scenario.hpp"

#include <cstdint>
#include <vector>

namespace moetwin::step {

// One micro-batch of one DP rank.
struct MicroBatch {
    int64_t num_requests             = 0;
    int64_t num_tokens               = 0; // tokens through every layer (decode: requests x query tokens)
    int64_t query_tokens_per_request = 1; // decode: 1 + MTP draft tokens; prefill: prompt tokens per request
    int64_t kv_len                   = 1; // mean keys a query sees (context + new tokens), >= 1; prefill: the
                                          // keys per request, cached prefix + prompt (the new ones last)
};

struct RankBatch {
    std::vector<MicroBatch> micro_batches; // [workload.micro_batches]
    double output_tokens = 0;              // tokens this rank produces in the step (decode: incl. accepted drafts)
};

// A DP rank's prefill prompts as the step sees them, summed: new tokens, requests, cached keys and causal
// (query, key) pairs. A prompt cut short by the rank's token budget (n of its request's N new tokens; the rest
// falls in another step) counts as the fraction n / N of its request: n / N of a request and of its P cached
// keys, and its n tokens attend as the request's tokens do on average, P + (N + 1) / 2 keys each (the mean over
// where the cut falls). So at a fixed prompt of N new tokens after P cached ones, a rank of T tokens holds
// T / N requests, T·P / N cached keys and T·(P + (N + 1) / 2) pairs whatever T mod N, also for T < N: the step
// is continuous in T, N and P, and has the (tokens, context, cached per token) it is asked for (a whole count
// of requests, each with its whole prefix, made the prefix's kv_b_proj work jump by up to a third between
// neighbouring prompt lengths at P = 32 N; step_model/README.md).
struct PrefillMix {
    double tokens = 0, requests = 0, cached = 0, pairs = 0;

    // Contract: adds `new_tokens` of a request of `request_tokens` new tokens (the whole request when they are
    // equal; at least `new_tokens`) after `cached_prefix_tokens` cached ones, as above.
    void add(int64_t new_tokens, int64_t request_tokens, double cached_prefix_tokens);
    // Contract: pure. A micro-batch of `mb_tokens` of the rank's `tokens` new tokens, carrying that share of
    // the requests, cached keys and pairs, as the integers the ops take (engine/attention_ops.cpp): requests
    // rounded (at least 1); kv_len = (cached share + new tokens) / requests, so kv_b_proj expands the share's keys
    // (to rounding); the chunk s_q such that requests × causal pairs(s_q, kv_len) is the share of the pairs.
    // A whole number of equal prompts per micro-batch gives its exact shape (s_q = N, kv_len = P + N).
    MicroBatch micro_batch(int64_t mb_tokens) const;
};

// Contract: pure and deterministic in (scenario, seed). Decode: requests_per_gpu requests per DP
// rank, each verifying 1 + mtp_draft_tokens query tokens; a request outputs 1 + draft x acceptance
// tokens (expected value). Prefill: tokens_per_gpu prompt tokens per DP rank, cut into requests of
// the sampled context length (the last one shorter, a fraction of its request: PrefillMix); output = the prompt
// tokens processed (prefill throughput is input tokens/s). With workload.cached_prefix_tokens = P, each prefill
// request's keys are its P cached tokens before its new ones; only the new tokens count as the rank's tokens
// and output. Context lengths per request: fixed, uniform [min, max] or log-normal around context_tokens, seeded
// per rank. Decode requests are split into micro-batches as evenly as possible, earlier micro-batches taking the
// remainder; prefill tokens likewise, each micro-batch carrying its share of the rank's PrefillMix.
std::vector<RankBatch> make_rank_batches(const Scenario& s); // [dp_size]

// The EP rank (GPU) tokens of DP rank d are split over: GPUs d*tp .. d*tp+tp-1 (sequence parallel).
int64_t gpu_share(int64_t tokens, int tp_size, int index_in_group);

} // namespace moetwin::step
