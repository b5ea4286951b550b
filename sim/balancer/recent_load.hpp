// SPDX-License-Identifier: Apache-2.0
// The recent loads dynamic redundancy chooses its active set from (issue 16 item 2), as the serving
// system would observe them: the (token, expert) pairs of the last N steps, a finite sample of the
// run's expected loads, not those loads themselves.
#pragma once

#include "moe/expert_load.hpp"

#include <cstdint>
#include <iosfwd>

namespace moetwin::balancer {

// (token, expert) pairs through one MoE layer in one decode step of the production unit: 144 GPUs
// (reference §3, EP144) × 128 tokens per GPU (reference §5.1: DeepEP's low-latency setting, "a
// typical production decode: 128 tokens per batch") × top-8 (reference §1.1).
inline constexpr double kDecodePairsPerStep = 144.0 * 128.0 * 8.0;

struct RecentLoadSpec {
    int steps             = 1;                   // N: steps the observation covers
    double pairs_per_step = kDecodePairsPerStep; // (token, expert) pairs per layer per step
    std::uint64_t seed    = 1;
    void validate() const; // ConfigError: steps < 1, pairs_per_step < 1
};

std::ostream& operator<<(std::ostream& os, const RecentLoadSpec& s);

// Contract: pure and deterministic in (load, spec). Per layer, a multinomial draw of
// round(steps × pairs_per_step) pairs over the experts with probabilities load(layer, e) / the
// layer's total, by conditional binomials (expert e draws Bin(pairs left, load_e / load of experts
// e and after), so the last expert with load takes the rest). A binomial of mean < 30 is drawn
// exactly by inversion; a larger one by its normal approximation (mean, variance n·p·(1 − p),
// common/rng.hpp's Box–Muller), rounded and clamped to [0, pairs left]. Each layer draws from its
// own Rng stream, so layers are independent of each other's sizes. Top-k routing gives a token k
// distinct experts, which a multinomial does not: an expert with share s of the pairs gets its
// count's variance overstated by (1 − s) / (1 − k·s) (1.00 for a rare expert; 1.43 for the largest
// share in the decode recordings, 4.1 %, k = 8): the modelled noise's spread is at most 20 % too
// wide. Layers without load stay 0. Throws ConfigError from validate().
ExpertLoad sample_recent_load(const ExpertLoad& load, const RecentLoadSpec& spec);

} // namespace moetwin::balancer
