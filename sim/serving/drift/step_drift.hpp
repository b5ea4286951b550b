// SPDX-License-Identifier: Apache-2.0
// What expert-load drift does to a pool's steps over the day (issue 17 item 4), as the replay reads it: per
// series interval a step-time factor, the placement's busiest/mean GPU load, and the pause of a re-placement.
// Built by sim/serving/drift/drift_build.hpp; plain data here (the replay does not simulate).
//
// The approximation (sim/serving/drift/README.md): a step of shape x in interval i takes
//   grid(x) × factor[i],  factor[i] = T(x_ref; interval i's loads, the placement in force) / T(x_ref; the grid's own)
// where T is the step simulator at one reference shape x_ref: the drifted loads and stale placement are taken to
// stretch every shape of the unit by the same ratio. Measured against direct step simulations at other shapes:
// drift_check.hpp.
// A re-placement at the start of interval i pauses each unit once: its first step starting at or after that time
// is longer by migration_s[i] (the busiest GPU's copy time, balancer::migration_cost: no step overlaps the copy).
#pragma once

#include <algorithm>
#include <cmath>
#include <vector>

namespace moetwin::serving {

struct StepDrift {
    double period_s = 600;
    std::vector<double> factor;            // [intervals] > 0
    std::vector<double> busiest_over_mean; // [intervals] >= 1 (mean over MoE layers)
    std::vector<double> migration_s;       // [intervals] >= 0: pause of a re-placement starting the interval

    // The interval holding t (clamped to the last; the replay may step a little past its horizon).
    int interval_of(double t_s) const {
        const int i = int(std::floor(t_s / period_s + 1e-9));
        return std::clamp(i, 0, int(factor.size()) - 1);
    }
};

// The series' columns at t_s: busiest/mean and the factor of t_s's interval; both 0 without a drift.
inline void drift_at(const StepDrift* d, double t_s, double& busiest_over_mean, double& factor) {
    busiest_over_mean = factor = 0;
    if (!d || d->factor.empty()) return;
    const std::size_t i = std::size_t(d->interval_of(t_s));
    busiest_over_mean   = d->busiest_over_mean[i];
    factor              = d->factor[i];
}

// Per-unit state of the pauses (each unit pays each re-placement once). Empty drift (nullptr): factor 1, no pause.
class DriftClock {
  public:
    explicit DriftClock(const StepDrift* drift) : d_(drift) {}
    // Contract: the seconds of a step of `unit` starting at now_s whose drift-free time is step_s.
    double step_s(int unit, double now_s, double step_s) {
        if (!d_ || d_->factor.empty()) return step_s;
        const int i = d_->interval_of(now_s);
        double t    = step_s * d_->factor[std::size_t(i)];
        if (unit >= int(paid_.size())) paid_.resize(std::size_t(unit) + 1, 0);
        // The latest re-placement at or before now that this unit has not paid (a unit that slept through several
        // copies the difference from its old placement once: charged as the latest one's copy).
        int& paid = paid_[std::size_t(unit)];
        for (int j = i; j > paid; --j)
            if (d_->migration_s[std::size_t(j)] > 0) {
                t += d_->migration_s[std::size_t(j)];
                break;
            }
        paid = std::max(paid, i);
        return t;
    }

  private:
    const StepDrift* d_;
    std::vector<int> paid_; // per unit: the last interval whose re-placement it has paid (0: none yet)
};

} // namespace moetwin::serving
