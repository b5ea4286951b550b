// SPDX-License-Identifier: Apache-2.0
// How many decode steps a request needs to emit its output tokens with multi-token prediction, drawn once
// when it joins a batch (the replay does no per-step work per request).
#pragma once

#include "common/rng.hpp"

#include <cstdint>

namespace moetwin::serving {

// Accepted drafts per step, X in {0..d}: draft j is checked only when drafts 1..j-1 were accepted, each
// accepted with probability p (DeepSeek-V3 tech report §5.4.3: the second token's acceptance is 85-90 %).
// So P(X = j) = p^j (1 - p) for j < d and P(X = d) = p^d; each step emits 1 + X tokens.
struct MtpLaw {
    int draft_tokens  = 0;
    double acceptance = 0;
    double mean_accepted() const;     // E[X]
    double variance_accepted() const; // Var[X]
};

// Steps below which the draw is exact (one uniform per step); above, the renewal-theorem normal law.
inline constexpr int64_t kExactMtpStepsBelow = 64;

// Contract: the number of steps N until the emitted tokens first reach `tokens` (>= 0). Exact for tokens <
// kExactMtpStepsBelow (step by step, one draw each). Otherwise N ~ Normal(m / mu, m s^2 / mu^3) with mu =
// 1 + E[X], s^2 = Var[X] (renewal central limit theorem; error O(1 / sqrt(m)) in the law's shape, none in its
// mean), rounded and clamped to its possible range [ceil(m / (1 + d)), m]. d = 0 gives N = tokens, no draw.
int64_t draw_decode_steps(int64_t tokens, const MtpLaw& law, Rng& rng);

} // namespace moetwin::serving
