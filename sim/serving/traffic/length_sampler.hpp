// SPDX-License-Identifier: Apache-2.0
// Draws token counts from a LengthDist (traffic_config.hpp) with the project's Rng only.
#pragma once

#include "common/rng.hpp"
#include "sim/serving/traffic/traffic_config.hpp"

#include <cstdint>
#include <vector>

namespace moetwin::serving::traffic {

class LengthSampler {
  public:
    // Empirical distributions read their file here (input lengths, or output lengths when `output`).
    LengthSampler(const LengthDist& d, bool output);
    // A count in [1, kMaxRequestTokens]: fixed -> tokens; lognormal -> round(exp(mu + sigma N(0,1))) with
    // mu = ln(mean_tokens) - sigma^2 / 2 (so the mean is mean_tokens before rounding and clamping);
    // empirical -> one of the file's values, each equally likely. One or two draws of `rng`.
    int64_t draw(Rng& rng) const;

  private:
    LengthKind kind_;
    int64_t fixed_ = 1;
    double mu_ = 0, sigma_ = 0;
    std::vector<int64_t> values_;
};

} // namespace moetwin::serving::traffic
