// SPDX-License-Identifier: Apache-2.0
// Percentiles of ~10^8 latencies in bounded memory: a log-bucketed histogram (as DDSketch, Masson et al.
// 2019, with a fixed range). Bucket i holds values in [lo g^i, lo g^(i+1)) with g = 1.02; a quantile returns
// its bucket's geometric midpoint, so its relative error is at most sqrt(1.02) - 1 < 1 % for values within
// [1 us, 1e6 s]; values outside are counted in the end buckets (and reported at the bound). Memory: ~1,400
// counters, whatever the count.
#pragma once

#include <cstdint>
#include <vector>

namespace moetwin::serving {

class LatencySketch {
  public:
    static constexpr double kMin_s  = 1e-6;
    static constexpr double kMax_s  = 1e6;
    static constexpr double kGrowth = 1.02;

    LatencySketch();
    void add(double v_s);
    // Contract: q in [0, 1]; the value of rank ceil(q n) (nearest rank), within 1 % relative; 0 when empty.
    double quantile(double q) const;
    int64_t count() const { return count_; }
    double mean() const { return count_ ? sum_ / double(count_) : 0; }
    void clear();

  private:
    std::vector<int64_t> buckets_;
    int64_t count_ = 0;
    double sum_    = 0;
};

} // namespace moetwin::serving
