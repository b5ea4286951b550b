// SPDX-License-Identifier: Apache-2.0
// Scaling a request stream in time and rate, and looping a short trace over a day. Every result is a
// RequestSource with ids renumbered 0, 1, 2, ... in arrival order; memory is O(copies), never O(requests).
//
// Rate scale s (rate_scaled): the superposition of K = ceil(s) copies of the trace, each thinned to keep a
// request with probability s / K. Copy 0 is the trace itself; copy k >= 1 is shifted cyclically by an
// offset o_k drawn uniformly in [0, period): its request at time t arrives at t - o_k if t >= o_k, else at
// t - o_k + period. So every copy covers [0, period) at the trace's rate, the sum has s times the rate,
// and the trace's burstiness and length mix are kept while bursts of different copies fall at independent
// times. Each copy is a different population of users: its prefix hashes are salted (block_hash.hpp), so
// copies share no prefix with each other and each keeps the trace's own reuse structure.
// s <= 1 keeps one copy, thinned (each request kept with probability s).
//
// The period of a trace of n requests whose last arrival is at T is T * n / (n - 1): one mean gap after
// the last arrival, so a wrapped copy does not put two requests at the same instant (measure_trace).
#pragma once

#include "sim/serving/request_source.hpp"
#include "sim/serving/traffic/traffic_config.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace moetwin::serving::traffic {

// Opens the same base stream again (same file, same seed): copies and loop passes each read their own.
using SourceFactory = std::function<std::unique_ptr<RequestSource>()>;

struct TraceExtent {
    int64_t requests      = 0;
    double last_arrival_s = 0;
    double period_s() const { return last_arrival_s * double(requests) / double(requests - 1); }
};

// One pass over `src`. Throws ConfigError "<what>: ..." when the trace has fewer than 2 requests or all
// arrive at the same instant (no period to scale or loop).
TraceExtent measure_trace(RequestSource& src, const std::string& what);

// arrival_s * factor (factor > 0; > 1 stretches the trace, lowering its rate).
std::unique_ptr<RequestSource> time_scaled(std::unique_ptr<RequestSource> src, double factor);

// The superposition above. `salt_base` numbers the copies' salts (salt_base + k; 0 keeps copy 0's hashes);
// `offset_s` is added to every arrival. Deterministic in (base, rate_scale, period_s, seed, salt_base).
std::unique_ptr<RequestSource> rate_scaled(SourceFactory base, double rate_scale, double period_s, uint64_t seed,
                                           uint64_t salt_base = 0, double offset_s = 0);

// A trace looped over loop.hours hours: pass h is the trace stretched to exactly one hour (time scale
// 3600 / period), rate-scaled to the profile's hour h (relative: the value times the trace's own count
// per hour; req_per_s: value * 3600 / requests), placed at [3600 h, 3600 (h + 1)), with salts of its own
// (so hour h's users are not hour h-1's). The profile repeats every 24 hours.
std::unique_ptr<RequestSource> looped_day(SourceFactory base, const LoopSpec& loop, const TraceExtent& extent,
                                          uint64_t seed);

} // namespace moetwin::serving::traffic
