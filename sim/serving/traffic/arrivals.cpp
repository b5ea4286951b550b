// SPDX-License-Identifier: Apache-2.0
#include "sim/serving/traffic/arrivals.hpp"

#include "common/errors.hpp"

#include <cmath>
#include <utility>

namespace moetwin::serving::traffic {

double gamma_draw(Rng& rng, double shape) {
    MOETWIN_ASSERT(shape > 0, "gamma shape must be positive");
    if (shape == 1.0) return -std::log(1.0 - rng.uniform());
    if (shape < 1.0) {
        const double g = gamma_draw(rng, shape + 1.0);
        return g * std::pow(1.0 - rng.uniform(), 1.0 / shape);
    }
    const double d = shape - 1.0 / 3.0;
    const double c = 1.0 / std::sqrt(9.0 * d);
    for (;;) {
        const double x = rng.normal();
        double v       = 1.0 + c * x;
        if (v <= 0) continue;
        v *= v * v;
        const double u  = 1.0 - rng.uniform(); // (0, 1]
        const double x2 = x * x;
        if (u < 1.0 - 0.0331 * x2 * x2) return d * v;
        if (std::log(u) < 0.5 * x2 + d * (1.0 - v + std::log(v))) return d * v;
    }
}

double unit_gap(Rng& rng, double cv) {
    if (cv == 0) return 1.0;
    if (cv == 1) return -std::log(1.0 - rng.uniform());
    const double shape = 1.0 / (cv * cv);
    return gamma_draw(rng, shape) / shape;
}

ArrivalProcess::ArrivalProcess(std::vector<double> hourly_req_per_s, double cv, Rng rng)
    : rate_(std::move(hourly_req_per_s)), cv_(cv), rng_(rng) {
    bool any = false;
    for (const double r : rate_) {
        MOETWIN_ASSERT(r >= 0 && std::isfinite(r), "hourly rates must be finite and >= 0");
        any = any || r > 0;
    }
    MOETWIN_ASSERT(any, "at least one hourly rate must be > 0");
    MOETWIN_ASSERT(cv >= 0 && cv <= kMaxCv, "cv out of range");
}

double ArrivalProcess::next_s() {
    constexpr double kHourS = 3600;
    tau_ += unit_gap(rng_, cv_);
    for (;;) {
        const double r        = rate_[static_cast<std::size_t>(hour_ % static_cast<int64_t>(rate_.size()))];
        const double tau_next = tau_hour_ + r * kHourS;
        if (tau_ < tau_next && r > 0) return static_cast<double>(hour_) * kHourS + (tau_ - tau_hour_) / r;
        tau_hour_ = tau_next;
        ++hour_;
    }
}

} // namespace moetwin::serving::traffic
