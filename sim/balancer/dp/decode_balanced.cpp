// SPDX-License-Identifier: Apache-2.0
// Intent: decode LB — each arrival, in order, to the GPU whose worse normalised load (KV tokens,
// request count; each over its final per-GPU mean) stays lowest after adding it.
#include "sim/balancer/dp_balancer.hpp"

#include <algorithm>

namespace moetwin::balancer {

std::vector<int> decode_dp_balanced(std::span<const DecodeRequest> arrivals, std::span<const DecodeGpuState> initial) {
    const int G = static_cast<int>(initial.size());
    std::vector<double> kv(G), count(G);
    double kv_total = 0, count_total = static_cast<double>(arrivals.size());
    for (int g = 0; g < G; ++g) {
        kv[g]    = static_cast<double>(initial[g].kv_tokens);
        count[g] = initial[g].num_requests;
        kv_total += kv[g];
        count_total += count[g];
    }
    for (const auto& r : arrivals)
        kv_total += static_cast<double>(r.kv_tokens);
    const double kv_mean = std::max(kv_total / G, 1e-300), count_mean = std::max(count_total / G, 1e-300);
    std::vector<int> out(arrivals.size());
    for (std::size_t i = 0; i < arrivals.size(); ++i) {
        const double k   = static_cast<double>(arrivals[i].kv_tokens);
        int best         = 0;
        double best_cost = 0, best_tie = 0;
        for (int g = 0; g < G; ++g) {
            const double a = (kv[g] + k) / kv_mean, b = (count[g] + 1) / count_mean;
            const double cost = std::max(a, b), tie = a + b;
            if (g == 0 || cost < best_cost || (cost == best_cost && tie < best_tie))
                best = g, best_cost = cost, best_tie = tie;
        }
        out[i] = best;
        kv[best] += k;
        count[best] += 1;
    }
    return out;
}

} // namespace moetwin::balancer
