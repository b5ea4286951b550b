// SPDX-License-Identifier: Apache-2.0
#include "sim/serving/latency_sketch.hpp"

#include <algorithm>
#include <cmath>

namespace moetwin::serving {
namespace {
const double kLogGrowth = std::log(LatencySketch::kGrowth);
const int kBuckets      = int(std::ceil(std::log(LatencySketch::kMax_s / LatencySketch::kMin_s) / kLogGrowth)) + 1;
} // namespace

LatencySketch::LatencySketch() : buckets_(std::size_t(kBuckets), 0) {}

void LatencySketch::add(double v) {
    int i = 0;
    if (v > kMin_s) i = std::min(kBuckets - 1, int(std::log(v / kMin_s) / kLogGrowth));
    ++buckets_[std::size_t(i)];
    ++count_;
    sum_ += v;
}

double LatencySketch::quantile(double q) const {
    if (count_ == 0) return 0;
    const int64_t rank = std::max<int64_t>(1, int64_t(std::ceil(q * double(count_))));
    int64_t seen       = 0;
    for (int i = 0; i < kBuckets; ++i) {
        seen += buckets_[std::size_t(i)];
        if (seen >= rank) return kMin_s * std::exp((i + 0.5) * kLogGrowth);
    }
    return kMax_s;
}

void LatencySketch::clear() {
    std::fill(buckets_.begin(), buckets_.end(), 0);
    count_ = 0;
    sum_   = 0;
}

} // namespace moetwin::serving
