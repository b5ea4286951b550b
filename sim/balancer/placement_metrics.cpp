// SPDX-License-Identifier: Apache-2.0
// Busiest-GPU / mean load of a placement, EPLB's measure (reference §8 table).
#include "sim/balancer/placement_metrics.hpp"

#include "common/errors.hpp"

#include <algorithm>
#include <string>

namespace moetwin::balancer {

std::vector<double> gpu_loads(const Placement& p, const PlacementSpec& spec, const ExpertLoad& load, int layer) {
    MOETWIN_ASSERT(load.num_experts == p.num_experts && layer < p.num_layers, "gpu_loads: shape");
    std::vector<double> out(spec.num_gpus, 0.0);
    const auto row = p.slots(layer);
    for (int s = 0; s < p.num_slots; ++s)
        if (row[s] != kEmptySlot) out[spec.gpu_of_slot(s)] += load.at(layer, row[s]) / p.count(layer, row[s]);
    return out;
}

BalanceSummary busiest_over_mean(const Placement& p, const PlacementSpec& spec, const ExpertLoad& load) {
    if (load.num_layers != p.num_layers || load.num_experts != p.num_experts)
        throw ConfigError("evaluation load is " + std::to_string(load.num_layers) + " × " +
                          std::to_string(load.num_experts) + " but the placement is for " +
                          std::to_string(p.num_layers) + " × " + std::to_string(p.num_experts));
    BalanceSummary s;
    for (int l = 0; l < p.num_layers; ++l) {
        const auto g = gpu_loads(p, spec, load, l);
        double sum = 0, max = 0;
        for (double v : g)
            sum += v, max = std::max(max, v);
        const double ratio = sum > 0 ? max / (sum / g.size()) : 1.0;
        s.layer_ratio.push_back(ratio);
        s.mean_ratio += ratio;
        if (ratio > s.worst_ratio) s.worst_ratio = ratio, s.worst_layer = l;
    }
    if (p.num_layers > 0) s.mean_ratio /= p.num_layers;
    return s;
}

} // namespace moetwin::balancer
