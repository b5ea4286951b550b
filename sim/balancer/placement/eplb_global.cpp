// SPDX-License-Identifier: Apache-2.0
// Intent: deepseek-ai/EPLB's global policy — replicas chosen over all experts, packed onto all GPUs
// regardless of groups and nodes (EPLB's hierarchical step with 1 group and 1 node; reference §8).
#include "sim/balancer/placement/eplb_core.hpp"
#include "sim/balancer/placement/policies.hpp"

namespace moetwin::balancer {

Placement place_eplb_global(const ExpertLoad& load, const PlacementSpec& spec) {
    spec.validate(load.num_experts);
    return eplb::place(load, spec, 1, 1);
}

} // namespace moetwin::balancer
