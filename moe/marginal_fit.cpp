// SPDX-License-Identifier: Apache-2.0
// fit_marginals(): iterative proportional fitting of sampler weights to target selection shares.
#include "moe/marginal_fit.hpp"

#include "common/errors.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <ostream>
#include <string>

namespace moetwin {
namespace {

// Weights of experts with no target load, relative to the mean (token_sampler.hpp, layer_gate.hpp).
constexpr double kZeroLoadFloor = 1e-9;
// Largest factor one round moves a weight by: a share the sample saw 0 times has no finite ratio.
constexpr double kMaxStep = 4.0;

void normalise_mean(std::vector<double>& w) {
    const double mean = std::accumulate(w.begin(), w.end(), 0.0) / double(w.size());
    for (double& x : w)
        x = std::max(x / mean, kZeroLoadFloor);
}

} // namespace

void MarginalFitSpec::validate() const {
    if (max_rounds < 1) throw ConfigError("marginal fit: max_rounds must be >= 1, got " + std::to_string(max_rounds));
    if (!(tolerance >= 0)) throw ConfigError("marginal fit: tolerance must be >= 0");
}

std::ostream& operator<<(std::ostream& os, const MarginalFitSpec& s) {
    return os << "MarginalFitSpec{max_rounds=" << s.max_rounds << ", tolerance=" << s.tolerance
              << ", take_last_step=" << (s.take_last_step ? "true" : "false") << "}";
}

double total_variation(std::span<const double> a, std::span<const double> b) {
    MOETWIN_ASSERT(a.size() == b.size(), "total_variation: sizes differ");
    double tv = 0;
    for (std::size_t i = 0; i < a.size(); ++i)
        tv += std::abs(a[i] - b[i]);
    return tv / 2;
}

MarginalFit fit_marginals(std::span<const double> target_in, const RealisedSharesFn& realised,
                          const MarginalFitSpec& spec) {
    spec.validate();
    const std::size_t n = target_in.size();
    const double sum    = std::accumulate(target_in.begin(), target_in.end(), 0.0);
    if (n == 0 || !(sum > 0)) throw ConfigError("marginal fit: the target has no load");
    std::vector<double> target(n), w(n), r(n);
    for (std::size_t e = 0; e < n; ++e)
        target[e] = std::max(target_in[e], 0.0) / sum;
    w = target;
    normalise_mean(w);
    MarginalFit best;
    for (int round = 0; round < spec.max_rounds; ++round) {
        realised(w, r);
        const double tv = total_variation(r, target);
        if (round == 0) best.tv_initial = tv;
        best.rounds = round + 1;
        if (round == 0 || tv < best.tv_final) {
            best.tv_final = tv;
            best.weights  = w;
            best.realised = r;
        }
        if (tv <= spec.tolerance) break;
        for (std::size_t e = 0; e < n; ++e)
            w[e] *= target[e] > 0 ? std::clamp(target[e] / std::max(r[e], 1e-300), 1 / kMaxStep, kMaxStep) : 0.0;
        normalise_mean(w);
        if (spec.take_last_step && round + 1 == spec.max_rounds) best.weights = w;
    }
    return best;
}

} // namespace moetwin
