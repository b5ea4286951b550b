// SPDX-License-Identifier: Apache-2.0
// LayerGate: what route_layer derives from a MoE layer alone (floored weights, slot and expert
// homes, the gate tables), so that the layer's micro-batches build it once.
#pragma once

#include "moe/load_control.hpp"
#include "sim/step/gate_tables.hpp"
#include "sim/step/layer_routing.hpp"

#include <optional>
#include <vector>

namespace moetwin::step {

struct LayerGate {
    std::vector<double> w;     // [num_experts] popularity floored at 1e-9 x its mean
    std::vector<int> slot_gpu; // [num_slots]
    std::vector<int> gpu_node; // [num_gpus]
    std::vector<int> home;     // [num_experts] node of the expert's first replica
    int num_nodes = 1;
    std::optional<GateTables> tables;
    // With in.fit_samples > 0 (popularity_fit.hpp): the controller that holds the layer's realised
    // loads to `weights` while route_layer draws its micro-batches (w and tables follow it), and
    // the coarse fit's statistics. Empty / 0: the plain sampler.
    std::optional<LoadController> control;
    int fit_rounds        = 0;
    double fit_tv_initial = 0; // TV(target, realised) of the target as weights, on the fit sample
};

// Contract: pure; reads in.gate, weights, placement, spec, layer, gpus_per_node, the size of
// tokens_per_gpu, and with in.fit_samples > 0 node_limit and seed (the fit's stream is the
// layer's). Throws ConfigError as route_layer does for an invalid gate or weights.
LayerGate prepare_layer(const LayerRoutingInput& in);

} // namespace moetwin::step
