// SPDX-License-Identifier: Apache-2.0
#include "sim/balancer/dispatch/replica_choice_cost.hpp"

#include "common/errors.hpp"

#include <algorithm>

namespace moetwin::balancer {

ReplicaChoiceCost replica_choice_cost(const ReplicaChoiceCostInput& in) {
    if (in.num_gpus < 1 || in.gpus_per_node < 1 || in.ib_Bps <= 0 || in.nvlink_Bps <= 0 || in.num_experts < 0 ||
        in.solve_ops < 0 || in.sum_ops < 0)
        throw ConfigError("replica_choice_cost: GPUs, bandwidths must be positive, experts and ops >= 0");
    const double m = in.num_experts * kExpertCountBytes;
    const int n    = std::min(in.gpus_per_node, in.num_gpus);
    ReplicaChoiceCost c;
    c.gather_s =
        in.overhead_s + in.latency_s + std::max((in.num_gpus - n) * m / in.ib_Bps, (n - 1) * m / in.nvlink_Bps);
    c.solve_s = double(in.sum_ops) * in.seconds_per_sum + double(in.solve_ops) * in.seconds_per_op;
    return c;
}

} // namespace moetwin::balancer
