// SPDX-License-Identifier: Apache-2.0
// Intent: deepseek-ai/EPLB's hierarchical policy — expert groups packed onto nodes, replicas and
// GPU packing inside each node (reference §8; the prefill deployment's choice).
#include "sim/balancer/placement/eplb_core.hpp"
#include "sim/balancer/placement/policies.hpp"

#include "common/errors.hpp"

#include <string>

namespace moetwin::balancer {

Placement place_eplb_hierarchical(const ExpertLoad& load, const PlacementSpec& spec) {
    spec.validate(load.num_experts);
    if (spec.num_groups % spec.num_nodes != 0)
        throw ConfigError("eplb_hierarchical: num_groups (" + std::to_string(spec.num_groups) +
                          ") must be a multiple of num_nodes (" + std::to_string(spec.num_nodes) +
                          "); EPLB uses eplb_global then");
    return eplb::place(load, spec, spec.num_groups, spec.num_nodes);
}

} // namespace moetwin::balancer
