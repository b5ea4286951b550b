// SPDX-License-Identifier: Apache-2.0
// Intent: baseline decode DP — arrival i goes to GPU i mod num_gpus, whatever the GPUs hold.
#include "sim/balancer/dp_balancer.hpp"

namespace moetwin::balancer {

std::vector<int> decode_dp_round_robin(std::span<const DecodeRequest> arrivals,
                                       std::span<const DecodeGpuState> initial) {
    std::vector<int> out(arrivals.size());
    for (std::size_t i = 0; i < arrivals.size(); ++i)
        out[i] = static_cast<int>(i % initial.size());
    return out;
}

} // namespace moetwin::balancer
