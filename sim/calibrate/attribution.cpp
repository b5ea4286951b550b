// SPDX-License-Identifier: Apache-2.0
// Kernel -> stage attribution through the launch's correlation id (attribution.hpp).
#include "sim/calibrate/attribution.hpp"

#include <algorithm>
#include <map>
#include <optional>

namespace moetwin::calib {
namespace {

// Innermost (shortest) annotation enclosing `ts` among those `accept` lets through.
template <class Pred>
std::optional<std::size_t> innermost(const std::vector<TraceAnnotation>& anns, double ts, Pred accept) {
    std::optional<std::size_t> best;
    for (std::size_t i = 0; i < anns.size(); ++i) {
        if (!accept(anns[i]) || !anns[i].encloses(ts)) continue;
        if (!best || anns[i].dur_us < anns[*best].dur_us) best = i;
    }
    return best;
}

} // namespace

double union_length_us(std::vector<std::pair<double, double>> iv) {
    std::sort(iv.begin(), iv.end());
    double total = 0, cur_start = 0, cur_end = 0;
    bool open = false;
    for (const auto& [s, e] : iv) {
        if (open && s <= cur_end) {
            cur_end = std::max(cur_end, e);
            continue;
        }
        if (open) total += cur_end - cur_start;
        cur_start = s, cur_end = e, open = true;
    }
    if (open) total += cur_end - cur_start;
    return total;
}

Attribution attribute_kernels(const ProfilerTrace& t) {
    Attribution a;
    std::map<std::size_t, std::vector<std::size_t>> by_annotation;
    for (std::size_t k = 0; k < t.kernels.size(); ++k) {
        const TraceLaunch& l = t.launches[t.kernels[k].launch];
        auto ann             = innermost(t.annotations, l.ts_us,
                                         [&](const TraceAnnotation& u) { return u.pid == l.pid && u.tid == l.tid; });
        if (!ann) {
            const bool thread_has_any = std::any_of(t.annotations.begin(), t.annotations.end(),
                                                    [&](const auto& u) { return u.pid == l.pid && u.tid == l.tid; });
            if (!thread_has_any)
                ann = innermost(t.annotations, l.ts_us, [&](const TraceAnnotation& u) { return u.pid == l.pid; });
        }
        if (ann)
            by_annotation[*ann].push_back(k);
        else
            a.unattributed.push_back(k);
    }
    // CPU order of the annotations that got kernels.
    std::vector<std::size_t> order;
    for (const auto& [ann, ks] : by_annotation)
        order.push_back(ann);
    std::sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) {
        return t.annotations[x].ts_us != t.annotations[y].ts_us ? t.annotations[x].ts_us < t.annotations[y].ts_us
                                                                : x < y;
    });
    std::map<std::string, int> seen;
    for (std::size_t ann : order) {
        StageOccurrence s;
        s.name       = t.annotations[ann].name;
        s.occurrence = seen[s.name]++;
        s.annotation = ann;
        s.kernels    = by_annotation[ann];
        std::stable_sort(s.kernels.begin(), s.kernels.end(),
                         [&](std::size_t x, std::size_t y) { return t.kernels[x].ts_us < t.kernels[y].ts_us; });
        std::vector<std::pair<double, double>> iv;
        s.gpu_start_us = t.kernels[s.kernels.front()].ts_us;
        s.gpu_end_us   = s.gpu_start_us;
        for (std::size_t k : s.kernels) {
            s.gpu_start_us = std::min(s.gpu_start_us, t.kernels[k].ts_us);
            s.gpu_end_us   = std::max(s.gpu_end_us, t.kernels[k].end_us());
            iv.emplace_back(t.kernels[k].ts_us, t.kernels[k].end_us());
        }
        s.busy_us = union_length_us(std::move(iv));
        a.stages.push_back(std::move(s));
    }
    return a;
}

} // namespace moetwin::calib
