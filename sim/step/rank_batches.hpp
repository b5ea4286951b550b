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
    int64_t kv_len                   = 1; // mean keys a query sees (context + new tokens), >= 1; prefill:
                                          // cached prefix + prompt (the new tokens are its last ones)
};

struct RankBatch {
    std::vector<MicroBatch> micro_batches; // [workload.micro_batches]
    double output_tokens = 0;              // tokens this rank produces in the step (decode: incl. accepted drafts)
};

// Contract: pure and deterministic in (scenario, seed). Decode: requests_per_gpu requests per DP
// rank, each verifying 1 + mtp_draft_tokens query tokens; a request outputs 1 + draft x acceptance
// tokens (expected value). Prefill: tokens_per_gpu prompt tokens per DP rank, cut into requests of
// the sampled context length (the last one shorter); output = the prompt tokens processed (prefill
// throughput is input tokens/s). With workload.cached_prefix_tokens = P, each prefill request's keys are its
// P cached tokens before its new ones (kv_len = P + prompt); only the new tokens count as the rank's tokens
// and output. Context lengths per request:
// fixed, uniform [min, max] or log-normal around context_tokens, seeded per rank. Requests (prefill:
// tokens) are split into micro-batches as evenly as possible, earlier micro-batches taking the remainder.
std::vector<RankBatch> make_rank_batches(const Scenario& s); // [dp_size]

// The EP rank (GPU) tokens of DP rank d are split over: GPUs d*tp .. d*tp+tp-1 (sequence parallel).
int64_t gpu_share(int64_t tokens, int tp_size, int index_in_group);

} // namespace moetwin::step
