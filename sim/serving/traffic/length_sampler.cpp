// SPDX-License-Identifier: Apache-2.0
#include "sim/serving/traffic/length_sampler.hpp"

#include "sim/serving/traffic/trace_fields.hpp"
#include "sim/serving/traffic/trace_readers.hpp"

#include <algorithm>
#include <cmath>

namespace moetwin::serving::traffic {

LengthSampler::LengthSampler(const LengthDist& d, bool output) : kind_(d.kind) {
    switch (d.kind) {
    case LengthKind::Fixed:
        fixed_ = d.tokens;
        break;
    case LengthKind::LogNormal:
        sigma_ = d.sigma;
        mu_    = std::log(d.mean_tokens) - 0.5 * d.sigma * d.sigma;
        break;
    case LengthKind::Empirical:
        values_ = read_trace_lengths(d.format, d.file, output);
        break;
    }
}

int64_t LengthSampler::draw(Rng& rng) const {
    switch (kind_) {
    case LengthKind::Fixed:
        return fixed_;
    case LengthKind::LogNormal: {
        const double x = std::round(rng.lognormal(mu_, sigma_));
        return static_cast<int64_t>(std::clamp(x, 1.0, static_cast<double>(kMaxRequestTokens)));
    }
    case LengthKind::Empirical: {
        const auto i = static_cast<std::size_t>(rng.uniform() * static_cast<double>(values_.size()));
        return values_[std::min(i, values_.size() - 1)];
    }
    }
    return fixed_;
}

} // namespace moetwin::serving::traffic
