// SPDX-License-Identifier: Apache-2.0
// Intent: baseline prefill DP — request i goes to GPU i mod num_gpus.
#include "sim/balancer/dp_balancer.hpp"

namespace moetwin::balancer {

std::vector<int> prefill_dp_round_robin(std::span<const PrefillRequest> batch, int num_gpus) {
    std::vector<int> out(batch.size());
    for (std::size_t i = 0; i < batch.size(); ++i)
        out[i] = static_cast<int>(i % num_gpus);
    return out;
}

} // namespace moetwin::balancer
