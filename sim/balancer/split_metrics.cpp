// SPDX-License-Identifier: Apache-2.0
// Busiest/mean under the load_aware dispatch's min-max split of the expected loads.
#include "sim/balancer/split_metrics.hpp"
#include "sim/balancer/dispatch/replica_split.hpp"

#include "common/errors.hpp"

#include <algorithm>
#include <cmath>
#include <string>

namespace moetwin::balancer {

std::vector<double> split_gpu_loads(const Placement& p, const PlacementSpec& spec, const ExpertLoad& load, int layer) {
    MOETWIN_ASSERT(load.num_experts == p.num_experts && layer < p.num_layers, "split_gpu_loads: shape");
    std::vector<int64_t> total(std::size_t(p.num_experts));
    for (int e = 0; e < p.num_experts; ++e)
        total[std::size_t(e)] = std::llround(load.at(layer, e));
    const ReplicaSplit split = split_replicas_from_totals(p, spec, layer, total, 1);
    std::vector<double> out(std::size_t(spec.num_gpus), 0.0);
    for (int s = 0; s < p.num_slots; ++s)
        out[std::size_t(spec.gpu_of_slot(s))] += double(split.slot_count[std::size_t(s)]);
    return out;
}

BalanceSummary busiest_over_mean(const Placement& p, const PlacementSpec& spec, const ExpertLoad& load,
                                 ReplicaSplitModel model) {
    if (model == ReplicaSplitModel::Even) return busiest_over_mean(p, spec, load);
    if (load.num_layers != p.num_layers || load.num_experts != p.num_experts)
        throw ConfigError("evaluation load is " + std::to_string(load.num_layers) + " × " +
                          std::to_string(load.num_experts) + " but the placement is for " +
                          std::to_string(p.num_layers) + " × " + std::to_string(p.num_experts));
    BalanceSummary s;
    for (int l = 0; l < p.num_layers; ++l) {
        const auto g = split_gpu_loads(p, spec, load, l);
        double sum = 0, max = 0;
        for (double v : g)
            sum += v, max = std::max(max, v);
        const double ratio = sum > 0 ? max / (sum / double(g.size())) : 1.0;
        s.layer_ratio.push_back(ratio);
        s.mean_ratio += ratio;
        if (ratio > s.worst_ratio) s.worst_ratio = ratio, s.worst_layer = l;
    }
    if (p.num_layers > 0) s.mean_ratio /= p.num_layers;
    return s;
}

} // namespace moetwin::balancer
