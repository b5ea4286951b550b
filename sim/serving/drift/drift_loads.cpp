// SPDX-License-Identifier: Apache-2.0
// interval_loads / sum_loads (drift_loads.hpp).
#include "sim/serving/drift/drift_loads.hpp"

#include "common/errors.hpp"
#include "sim/balancer/load_mix.hpp"

#include <algorithm>
#include <cmath>
#include <string>

namespace moetwin::serving {

std::vector<ExpertLoad> interval_loads(const std::vector<ExpertLoad>& runs, int minutes_per_run, int period_min,
                                       double duration_min, int topk, uint64_t seed) {
    if (runs.size() < 2) throw ConfigError("expert drift: needs at least 2 runs, got " + std::to_string(runs.size()));
    if (minutes_per_run < 2) throw ConfigError("expert drift: a run lasts at least 2 minutes");
    if (period_min < 1 || !(duration_min > 0))
        throw ConfigError("expert drift: the interval must be >= 1 minute and the duration > 0");
    const int intervals     = int(std::ceil(duration_min / double(period_min) - 1e-9));
    const int minutes       = intervals * period_min;
    const ExpertLoad& shape = runs.front();
    std::vector<ExpertLoad> out(std::size_t(intervals), ExpertLoad{shape.num_layers, shape.num_experts,
                                                                   std::vector<double>(shape.tokens.size())});
    const int k = int(runs.size());
    for (int seg = 0; seg * minutes_per_run < minutes; ++seg) {
        balancer::MixSpec m;
        m.num_minutes = minutes_per_run;
        m.topk        = topk;
        m.seed        = seed + uint64_t(seg);
        const std::vector<ExpertLoad> mix =
            balancer::mixed_loads(runs[std::size_t(seg % k)], runs[std::size_t((seg + 1) % k)], m);
        for (int i = 0; i < minutes_per_run; ++i) {
            const int minute = seg * minutes_per_run + i;
            if (minute >= minutes) break;
            std::vector<double>& acc     = out[std::size_t(minute / period_min)].tokens;
            const std::vector<double>& x = mix[std::size_t(i)].tokens;
            for (std::size_t j = 0; j < acc.size(); ++j)
                acc[j] += x[j];
        }
    }
    return out;
}

ExpertLoad sum_loads(const std::vector<ExpertLoad>& loads, int first, int last) {
    first = std::max(first, 0);
    last  = std::min(last, int(loads.size()));
    if (first >= last) throw ConfigError("expert drift: an empty window of loads");
    ExpertLoad out = loads[std::size_t(first)];
    for (int i = first + 1; i < last; ++i)
        for (std::size_t j = 0; j < out.tokens.size(); ++j)
            out.tokens[j] += loads[std::size_t(i)].tokens[j];
    return out;
}

} // namespace moetwin::serving
