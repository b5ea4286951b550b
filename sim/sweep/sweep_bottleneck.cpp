// SPDX-License-Identifier: Apache-2.0
// bottleneck_of (sweep_bottleneck.hpp).
#include "sim/sweep/sweep_bottleneck.hpp"

#include <algorithm>
#include <span>
#include <utility>
#include <vector>

namespace moetwin::sweep {
namespace {

// Length of the union of the spans of some lanes of one GPU.
int64_t union_ns(std::initializer_list<std::span<const Span>> lanes) {
    std::vector<std::pair<int64_t, int64_t>> iv;
    for (const auto& lane : lanes)
        for (const Span& s : lane)
            iv.emplace_back(s.begin_ns, s.end_ns);
    std::sort(iv.begin(), iv.end());
    int64_t total = 0, lo = 0, hi = -1;
    for (const auto& [b, e] : iv) {
        if (b > hi) {
            if (hi > lo) total += hi - lo;
            lo = b;
            hi = e;
        } else {
            hi = std::max(hi, e);
        }
    }
    if (hi > lo) total += hi - lo;
    return total;
}

} // namespace

Bottleneck bottleneck_of(const RunResult& r) {
    Bottleneck b;
    const int32_t n = r.meta.num_gpus;
    if (r.spans.empty() || n <= 0) return b;
    int64_t sum_c = 0, sum_d = 0, sum_k = 0, max_c = 0;
    for (int32_t g = 0; g < n; ++g) {
        const auto c = lane_spans(r, g, Lane::Compute), d = lane_spans(r, g, Lane::Dispatch),
                   k     = lane_spans(r, g, Lane::Combine);
        const int64_t uc = union_ns({c}), ucd = union_ns({c, d}), ucdk = union_ns({c, d, k});
        sum_c += uc;
        sum_d += ucd - uc;
        sum_k += ucdk - ucd;
        max_c = std::max(max_c, uc);
    }
    b.compute_ns                                  = sum_c / n;
    b.exposed_dispatch_ns                         = sum_d / n;
    b.exposed_combine_ns                          = sum_k / n;
    b.imbalance_ns                                = max_c - b.compute_ns;
    const std::pair<int64_t, const char*> parts[] = {{b.compute_ns, "compute"},
                                                     {b.exposed_dispatch_ns, "dispatch"},
                                                     {b.exposed_combine_ns, "combine"},
                                                     {b.imbalance_ns, "imbalance"}};
    const auto* best                              = &parts[0];
    for (const auto& p : parts)
        if (p.first > best->first) best = &p;
    b.name = best->second;
    return b;
}

} // namespace moetwin::sweep
