// SPDX-License-Identifier: Apache-2.0
// sample_recent_load(): a multinomial draw per layer by conditional binomials.
#include "sim/balancer/recent_load.hpp"

#include "common/errors.hpp"
#include "common/rng.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <ostream>
#include <vector>

namespace moetwin::balancer {
namespace {

// Below this mean a binomial is drawn exactly (inversion: about `mean` steps); above it the normal
// approximation's error is far below the sampling noise being modelled.
constexpr double kExactBelowMean = 30.0;

double binomial(Rng& rng, double n, double p) {
    if (n <= 0 || p <= 0) return 0;
    if (p >= 1) return n;
    const double mean = n * p;
    if (mean >= kExactBelowMean) return std::clamp(std::round(mean + std::sqrt(mean * (1 - p)) * rng.normal()), 0.0, n);
    const double u = rng.uniform();
    double prob    = std::exp(n * std::log1p(-p)); // P(X = 0)
    double cdf = prob, k = 0;
    const double odds = p / (1 - p);
    while (u > cdf && k < n) {
        prob *= (n - k) / (k + 1) * odds;
        k += 1;
        cdf += prob;
        if (prob < 1e-300 && k > mean) break; // the rest of the tail is below double precision
    }
    return k;
}

} // namespace

void RecentLoadSpec::validate() const {
    if (steps < 1) throw ConfigError("recent loads: steps must be ≥ 1, got " + std::to_string(steps));
    if (!(pairs_per_step >= 1))
        throw ConfigError("recent loads: pairs per step must be ≥ 1, got " + std::to_string(pairs_per_step));
}

std::ostream& operator<<(std::ostream& os, const RecentLoadSpec& s) {
    return os << s.steps << " step(s) × " << s.pairs_per_step << " (token, expert) pairs per layer, seed " << s.seed;
}

ExpertLoad sample_recent_load(const ExpertLoad& load, const RecentLoadSpec& spec) {
    spec.validate();
    ExpertLoad out{load.num_layers, load.num_experts, std::vector<double>(load.tokens.size(), 0.0)};
    const double pairs = std::round(double(spec.steps) * spec.pairs_per_step);
    for (int l = 0; l < load.num_layers; ++l) {
        const auto row = load.layer(l);
        std::vector<double> rest(row.size() + 1, 0.0); // rest[e]: the load of experts e.. (exact 1 when alone)
        for (std::size_t e = row.size(); e-- > 0;)
            rest[e] = rest[e + 1] + row[e];
        if (rest[0] <= 0) continue;
        Rng rng(spec.seed, 0x7ece + std::uint64_t(l));
        double left = pairs;
        auto dst    = out.layer(l);
        for (std::size_t e = 0; e < row.size() && left > 0 && rest[e] > 0; ++e) {
            const double x = binomial(rng, left, row[e] / rest[e]);
            dst[e]         = x;
            left -= x;
        }
    }
    return out;
}

} // namespace moetwin::balancer
