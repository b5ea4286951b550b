// SPDX-License-Identifier: Apache-2.0
// LayerGate: what route_layer derives from a MoE layer alone (floored weights, slot and expert
// homes, the gate tables), so that the layer's micro-batches build it once.
#pragma once

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
    std::optional<GateTables> tables;
};

// Contract: pure; reads in.gate, weights, placement, spec, layer, gpus_per_node and the size of
// tokens_per_gpu. Throws ConfigError as route_layer does for an invalid gate or weights.
LayerGate prepare_layer(const LayerRoutingInput& in);

} // namespace moetwin::step
