// SPDX-License-Identifier: Apache-2.0
// PopularityFitReport: how closely a step's routed per-expert loads follow the popularity they were
// fitted to (popularity_fit.hpp), summed over the step's MoE layers, for the plan's notes.
#pragma once

#include "sim/step/layer_gate.hpp"
#include "sim/step/layer_routing.hpp"

#include <span>
#include <string>
#include <vector>

namespace moetwin::step {

struct PopularityFitReport {
    std::vector<double> tv_recorded; // [MoE layers] TV(target, the target used as weights) on the fit sample
    std::vector<double> tv_step;     // [MoE layers] TV(target, the step's routed selections, all micro-batches)
    int rounds  = 0;                 // coarse-fit evaluations, summed over layers
    int updates = 0;                 // controller updates, summed over layers
};

// TV between the routed per-expert selections of `routing` [first, first + n) (one layer's
// micro-batches; the routed experts of target.size() only, a slot-served shared expert excluded)
// and the target shares.
double routed_tv(std::span<const double> target, std::span<const LayerRouting> routing);

// Appends MoE layer l: prepared's fit statistics and the routed TV of routing[l * mbs, (l + 1) * mbs).
void add_layer_fit(PopularityFitReport& r, const LayerGate& prepared, std::span<const double> target,
                   const std::vector<LayerRouting>& routing, int l, int mbs);

// One line for the plan's notes: the TVs above, mean / max over layers (no wall times: notes are
// part of the result, which must be byte-identical from run to run).
std::string describe(const PopularityFitReport& r);

} // namespace moetwin::step
