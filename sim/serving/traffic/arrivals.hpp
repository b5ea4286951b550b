// SPDX-License-Identifier: Apache-2.0
// Arrival times: a Gamma renewal process with a given coefficient of variation, made non-homogeneous by time
// rescaling (Cinlar 1975; Brown et al. 2002): unit-rate Gamma gaps are drawn in "operational time" tau and
// each arrival is placed at t = Lambda^-1(tau), Lambda(t) = integral of the rate from 0 to t. The rate is
// piecewise constant per hour, so Lambda is piecewise linear and its inverse is exact. CV = 1 is a Poisson
// process; within an hour of constant rate the gaps are Gamma with exactly the given CV.
#pragma once

#include "common/rng.hpp"

#include <cstdint>
#include <vector>

namespace moetwin::serving::traffic {

// A Gamma(shape, 1) variate (mean = shape, variance = shape) from `rng` only: Marsaglia & Tsang (2000) for
// shape >= 1; shape < 1 by their boost G(shape) = G(shape + 1) * U^(1/shape); shape == 1 is -ln(1 - U).
double gamma_draw(Rng& rng, double shape);

// A gap of mean 1 and coefficient of variation `cv` (Gamma with shape 1/cv^2, scale cv^2); cv = 0 gives 1.
double unit_gap(Rng& rng, double cv);

class ArrivalProcess {
  public:
    // `hourly_req_per_s`: the rate in each hour, repeating every hours.size() hours; values >= 0, at least
    // one > 0. `cv` in [0, kMaxCv].
    ArrivalProcess(std::vector<double> hourly_req_per_s, double cv, Rng rng);
    // The next arrival time in seconds (non-decreasing; the first is one gap after 0).
    double next_s();

  private:
    std::vector<double> rate_;
    double cv_;
    Rng rng_;
    double tau_      = 0; // operational time of the last arrival
    int64_t hour_    = 0; // the hour Lambda is at
    double tau_hour_ = 0; // Lambda at the start of hour_
};

// The largest accepted coefficient of variation: 20. Azure's code trace, the burstiest shipped trace, has
// CV ~ 13 (../shared/data/README.md); beyond 20 the Gamma shape 1/CV^2 < 0.0025 puts almost all gaps at 0.
inline constexpr double kMaxCv = 20;

} // namespace moetwin::serving::traffic
