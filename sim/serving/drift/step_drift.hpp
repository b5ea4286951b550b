// SPDX-License-Identifier: Apache-2.0
// What expert-load drift does to a pool's steps over the day (issue 17 item 4), as the replay reads it: per
// series interval step-time factors, the placement's busiest/mean GPU load, and the pause of a re-placement.
// Built by sim/serving/drift/drift_build.hpp; plain data here (the replay does not simulate).
//
// The approximation (sim/serving/drift/README.md): a step of shape (b, c) in interval i takes
//   grid(b, c) + Δ_i(b),  Δ_i(b_k) = T(b_k, c_ref; interval i's loads, the placement in force) − T(b_k, c_ref; the
//   grid's own)
// where T is the step simulator at a few reference batches b_k (grid points) and one reference context c_ref, and
// Δ_i is linear in b between them (beyond the largest: proportional to b). Why additive and in b: the drifted loads
// and stale placement add time to the busiest GPU's routed experts and their dispatch/combine, which depend on the
// tokens it receives (the batch), not on the context (attention runs on every rank's own requests); small batches
// are bound by expert-weight reads, so the busiest GPU's extra tokens cost little there, and once token-bound the
// extra time grows with its extra tokens, hence with b. Measured against direct step simulations: README.md here.
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
    std::vector<double> ref_step_s;        // [K] > 0: T(b_k, c_ref) with the grid's own routing (the series' factor)
    std::vector<double> excess_s;          // [intervals × K]: Δ_i(b_k), row i = interval i (< 0: sample noise)
    std::vector<double> busiest_over_mean; // [intervals] >= 1 (mean over MoE layers)
    std::vector<double> migration_s;       // [intervals] >= 0: pause of a re-placement starting the interval
    double series_batch = 1;               // the batch whose factor the series reports (the unit's own)

    int intervals() const { return ref_batch.empty() ? 0 : int(excess_s.size() / ref_batch.size()); }
    // The interval holding t (clamped to the last; the replay may step a little past its horizon).
    int interval_of(double t_s) const {
        const int i = int(std::floor(t_s / period_s + 1e-9));
        return std::clamp(i, 0, intervals() - 1);
    }
    // Δ_i(batch), seconds: linear in batch between the reference batches, the first's below them, proportional to
    // batch beyond the last (token-bound).
    double excess_at(int interval, double batch) const {
        return at(excess_s.data() + std::size_t(interval) * ref_batch.size(), batch);
    }
    // The step-time factor at (batch, c_ref): 1 + Δ_i(batch) / T(batch, c_ref) (T interpolated the same way).
    double factor_at(int interval, double batch) const {
        return 1 + excess_at(interval, batch) / at(ref_step_s.data(), batch);
    }

  private:
    double at(const double* y, double batch) const {
        const std::size_t k = ref_batch.size();
        if (batch <= ref_batch.front()) return y[0];
        if (batch >= ref_batch.back()) return y[k - 1] * batch / ref_batch.back();
        std::size_t j = 1;
        while (ref_batch[j] < batch)
            ++j;
        const double w = (batch - ref_batch[j - 1]) / (ref_batch[j] - ref_batch[j - 1]);
        return y[j - 1] + w * (y[j] - y[j - 1]);
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
        double t    = step_s + d_->excess_at(i, batch);
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
