// SPDX-License-Identifier: Apache-2.0
// make_rank_batches(): per DP rank, per micro-batch request and token counts and KV lengths.
#include "sim/step/rank_batches.hpp"

#include "common/errors.hpp"
#include "common/rng.hpp"

#include <algorithm>
#include <cmath>

namespace moetwin::step {
namespace {

int64_t sample_context(const WorkloadConfig& w, Rng& rng) {
    switch (w.context_distribution) {
    case ContextDistribution::Fixed:
        return w.context_tokens;
    case ContextDistribution::Uniform: {
        const int64_t lo = w.context_min_tokens, hi = std::max(w.context_max_tokens, lo);
        return lo + int64_t(rng.uniform() * double(hi - lo + 1));
    }
    case ContextDistribution::LogNormal: {
        // Mean-preserving: exp(ln(mean) - sigma^2/2 + sigma N(0,1)).
        const double x = std::exp(std::log(double(w.context_tokens)) - 0.5 * w.context_sigma * w.context_sigma +
                                  w.context_sigma * rng.normal());
        return std::max<int64_t>(1, std::llround(x));
    }
    }
    return w.context_tokens;
}

// Splits n into `parts` as evenly as possible, the first ones taking the remainder.
int64_t part_of(int64_t n, int parts, int i) {
    return n / parts + (i < n % parts ? 1 : 0);
}

} // namespace

void PrefillMix::add(int64_t new_tokens, int64_t request_tokens, double cached_prefix_tokens) {
    const double n = double(new_tokens), whole = double(std::max(new_tokens, request_tokens));
    tokens += n;
    requests += n / whole;
    cached += cached_prefix_tokens * n / whole;
    pairs += n * (cached_prefix_tokens + (whole + 1) / 2);
}

MicroBatch PrefillMix::micro_batch(int64_t mb_tokens) const {
    MicroBatch mb;
    mb.num_tokens      = mb_tokens;
    const double share = tokens > 0 ? double(mb_tokens) / tokens : 0;
    mb.num_requests    = std::max<int64_t>(1, std::llround(requests * share));
    const double n     = double(mb.num_requests);
    // kv_b_proj expands every key of the micro-batch's requests: its cached share plus its new tokens.
    mb.kv_len = std::max<int64_t>(1, std::llround((cached * share + double(mb_tokens)) / n));
    // The prompt chunk s_q whose causal pairs per request, s_q·kv − s_q(s_q − 1)/2 (engine/attention_ops.cpp),
    // make the share of the pairs: the smaller root of s_q² − (2kv + 1)s_q + 2·pairs/n = 0, in [1, kv].
    const double kv = double(mb.kv_len), b = 2 * kv + 1;
    const double sq             = (b - std::sqrt(std::max(0.0, b * b - 8 * pairs * share / n))) / 2;
    mb.query_tokens_per_request = std::clamp<int64_t>(std::llround(sq), 1, mb.kv_len);
    return mb;
}

int64_t gpu_share(int64_t tokens, int tp_size, int index_in_group) {
    return part_of(tokens, tp_size, index_in_group);
}

std::vector<RankBatch> make_rank_batches(const Scenario& s) {
    const DeploymentUnit& unit = s.active_unit();
    const WorkloadConfig& w    = s.workload;
    const int mbs              = w.micro_batches;
    if (mbs < 1) throw ConfigError("workload.micro_batches: must be >= 1");
    std::vector<RankBatch> ranks(std::size_t(unit.dp_size));
    for (int d = 0; d < unit.dp_size; ++d) {
        Rng rng(s.seed, 0x5eed0000ull + uint64_t(d));
        RankBatch& rb = ranks[std::size_t(d)];
        rb.micro_batches.resize(std::size_t(mbs));
        if (w.phase == Phase::Decode) {
            const int64_t q = 1 + w.mtp_draft_tokens;
            std::vector<int64_t> ctx(std::size_t(w.requests_per_gpu));
            for (auto& c : ctx)
                c = sample_context(w, rng);
            std::size_t next = 0;
            for (int m = 0; m < mbs; ++m) {
                MicroBatch& mb              = rb.micro_batches[std::size_t(m)];
                mb.num_requests             = part_of(w.requests_per_gpu, mbs, m);
                mb.num_tokens               = mb.num_requests * q;
                mb.query_tokens_per_request = q;
                double kv                   = 0;
                for (int64_t i = 0; i < mb.num_requests; ++i)
                    kv += double(ctx[next++] + q);
                mb.kv_len = mb.num_requests > 0 ? std::max<int64_t>(1, std::llround(kv / double(mb.num_requests))) : 1;
            }
            rb.output_tokens = double(w.requests_per_gpu) * (1.0 + w.mtp_draft_tokens * w.mtp_acceptance);
        } else {
            // Prompts of sampled lengths fill the rank's token budget, the last one cut short; the cut one
            // counts as the fraction of its request that the step computes (PrefillMix, rank_batches.hpp).
            PrefillMix mix;
            int64_t left = w.tokens_per_gpu;
            while (left > 0) {
                const int64_t want = std::max<int64_t>(1, sample_context(w, rng));
                const int64_t len  = std::min(left, want);
                left -= len;
                mix.add(len, want, double(w.cached_prefix_tokens));
            }
            for (int m = 0; m < mbs; ++m)
                rb.micro_batches[std::size_t(m)] = mix.micro_batch(part_of(w.tokens_per_gpu, mbs, m));
            rb.output_tokens = double(w.tokens_per_gpu);
        }
    }
    return ranks;
}

} // namespace moetwin::step
