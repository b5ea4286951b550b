// SPDX-License-Identifier: Apache-2.0
#include "sim/serving/mtp_steps.hpp"

#include <algorithm>
#include <cmath>

namespace moetwin::serving {

double MtpLaw::mean_accepted() const {
    double m = 0, pj = 1;
    for (int j = 1; j <= draft_tokens; ++j) {
        pj *= acceptance; // P(X >= j) = p^j
        m += pj;
    }
    return m;
}

double MtpLaw::variance_accepted() const {
    // E[X^2] = sum_j (2j - 1) P(X >= j).
    double m2 = 0, pj = 1;
    for (int j = 1; j <= draft_tokens; ++j) {
        pj *= acceptance;
        m2 += (2.0 * j - 1) * pj;
    }
    const double m = mean_accepted();
    return std::max(0.0, m2 - m * m);
}

int64_t draw_decode_steps(int64_t tokens, const MtpLaw& law, Rng& rng) {
    if (tokens <= 0) return 0;
    if (law.draft_tokens == 0 || law.acceptance == 0) return tokens;
    if (tokens < kExactMtpStepsBelow) {
        int64_t emitted = 0, steps = 0;
        while (emitted < tokens) {
            int x = 0;
            while (x < law.draft_tokens && rng.uniform() < law.acceptance)
                ++x;
            emitted += 1 + x;
            ++steps;
        }
        return steps;
    }
    const double m   = double(tokens);
    const double mu  = 1 + law.mean_accepted();
    const double s2  = law.variance_accepted();
    const double n   = m / mu + std::sqrt(m * s2 / (mu * mu * mu)) * rng.normal();
    const int64_t lo = (tokens + law.draft_tokens) / (1 + law.draft_tokens); // ceil(m / (1 + d))
    return std::clamp(int64_t(std::llround(n)), lo, tokens);
}

} // namespace moetwin::serving
