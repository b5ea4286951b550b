// SPDX-License-Identifier: Apache-2.0
// What expert-load drift does to a pool's steps over the day (issue 17 item 4), as the replay reads it: per
// series interval step-time factors, the placement's busiest/mean GPU load, and the pause of a re-placement.
// Built by sim/serving/drift/drift_build.hpp; plain data here (the replay does not simulate).
//
// The approximation (sim/serving/drift/README.md): a step of shape (b, c) in interval i takes
//   grid(b, c) × f_i(b),  f_i(b_k) = T(b_k, c_ref; interval i's loads, the placement in force) / T(b_k, c_ref; the
//   grid's own)
// where T is the step simulator at a few reference batches b_k (grid points) and one reference context c_ref, and
// f_i is linear in ln b between them (flat beyond): the drifted loads and stale placement stretch every context
// by the same ratio, and the ratio depends on the batch (small batches are weight-bound, so imbalance matters
// little; large ones are token-bound). Measured against direct step simulations: README.md here.
// A re-placement at the start of interval i pauses each unit once: its first step starting at or after that time
// is longer by migration_s[i] (the busiest GPU's copy time, balancer::migration_cost: no step overlaps the copy).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

namespace moetwin::serving {

struct StepDrift {
    double period_s = 600;
    std::vector<double> ref_batch;         // [K] >= 1, increasing (K >= 1)
    std::vector<double> factor;            // [intervals × K] > 0, row i = interval i
    std::vector<double> busiest_over_mean; // [intervals] >= 1 (mean over MoE layers)
    std::vector<double> migration_s;       // [intervals] >= 0: pause of a re-placement starting the interval
    double series_batch = 1;               // the batch whose factor the series reports (the unit's own)

    int intervals() const { return ref_batch.empty() ? 0 : int(factor.size() / ref_batch.size()); }
    // The interval holding t (clamped to the last; the replay may step a little past its horizon).
    int interval_of(double t_s) const {
        const int i = int(std::floor(t_s / period_s + 1e-9));
        return std::clamp(i, 0, intervals() - 1);
    }
    // f_i(batch): linear in ln batch between the reference batches, flat beyond them.
    double factor_at(int interval, double batch) const {
        const std::size_t k = ref_batch.size();
        const double* f     = factor.data() + std::size_t(interval) * k;
        if (k == 1 || batch <= ref_batch.front()) return f[0];
        if (batch >= ref_batch.back()) return f[k - 1];
        std::size_t j = 1;
        while (ref_batch[j] < batch)
            ++j;
        const double w = std::log(batch / ref_batch[j - 1]) / std::log(ref_batch[j] / ref_batch[j - 1]);
        return f[j - 1] + w * (f[j] - f[j - 1]);
    }
};

// The series' columns at t_s: busiest/mean and the factor (at series_batch) of t_s's interval; 0 without a drift.
inline void drift_at(const StepDrift* d, double t_s, double& busiest_over_mean, double& factor) {
    busiest_over_mean = factor = 0;
    if (!d || d->intervals() == 0) return;
    const int i       = d->interval_of(t_s);
    busiest_over_mean = d->busiest_over_mean[std::size_t(i)];
    factor            = d->factor_at(i, d->series_batch);
}

// Per-unit state of the pauses (each unit pays each re-placement once). Empty drift (nullptr): factor 1, no pause.
class DriftClock {
  public:
    explicit DriftClock(const StepDrift* drift) : d_(drift) {}
    // Contract: the seconds of a step of `unit` starting at now_s, of `batch` per rank, whose drift-free time is
    // step_s.
    double step_s(int unit, double now_s, double batch, double step_s) {
        if (!d_ || d_->intervals() == 0) return step_s;
        const int i = d_->interval_of(now_s);
        double t    = step_s * d_->factor_at(i, batch);
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
