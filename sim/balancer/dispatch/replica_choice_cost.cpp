// SPDX-License-Identifier: Apache-2.0
#include "sim/balancer/dispatch/replica_choice_cost.hpp"

#include "common/errors.hpp"

#include <algorithm>

namespace moetwin::balancer {

ReplicaChoiceCost replica_choice_cost(const ReplicaChoiceCostInput& in) {
    if (in.num_gpus < 1 || in.gpus_per_node < 1 || in.ib_Bps <= 0 || in.nvlink_Bps <= 0 || in.tokens_per_gpu < 0)
        throw ConfigError("replica_choice_cost: GPUs, bandwidths must be positive and tokens >= 0");
    const double m = in.tokens_per_gpu * in.picks_per_token * kExpertIndexBytes;
    const int n    = std::min(in.gpus_per_node, in.num_gpus);
    ReplicaChoiceCost c;
    c.gather_s =
        in.overhead_s + in.latency_s + std::max((in.num_gpus - n) * m / in.ib_Bps, (n - 1) * m / in.nvlink_Bps);
    c.solve_s = in.num_gpus * in.tokens_per_gpu * in.picks_per_token * in.solve_s_per_pair;
    return c;
}

} // namespace moetwin::balancer
