// SPDX-License-Identifier: Apache-2.0
// eplb: deepseek-ai/EPLB's own policy choice (rebalance_experts, reference §8): hierarchical when the
// expert groups divide evenly over the nodes (production prefill: 8 groups, 4 nodes), global otherwise
// (production decode: 8 groups, 18 nodes).
#include "sim/balancer/placement/policies.hpp"

namespace moetwin::balancer {

Placement place_eplb(const ExpertLoad& load, const PlacementSpec& spec) {
    return spec.num_groups % spec.num_nodes == 0 ? place_eplb_hierarchical(load, spec) : place_eplb_global(load, spec);
}

} // namespace moetwin::balancer
