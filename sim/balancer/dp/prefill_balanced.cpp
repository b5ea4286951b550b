// SPDX-License-Identifier: Apache-2.0
// Intent: prefill LB — largest core-attention work first, each request to the GPU whose worse
// normalised load (attention pairs, input tokens; each over its per-GPU mean) stays lowest.
#include "sim/balancer/dp_balancer.hpp"

#include <algorithm>
#include <numeric>

namespace moetwin::balancer {

std::vector<int> prefill_dp_balanced(std::span<const PrefillRequest> batch, int num_gpus) {
    const std::size_t n = batch.size();
    std::vector<double> work(n);
    double work_total = 0, token_total = 0;
    for (std::size_t i = 0; i < n; ++i) {
        work[i] = core_attention_pairs(batch[i]);
        work_total += work[i];
        token_total += static_cast<double>(batch[i].input_tokens);
    }
    const double work_mean  = std::max(work_total / num_gpus, 1e-300),
                 token_mean = std::max(token_total / num_gpus, 1e-300);
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return work[a] > work[b]; });
    std::vector<double> gpu_work(num_gpus, 0.0), gpu_tokens(num_gpus, 0.0);
    std::vector<int> out(n);
    for (std::size_t i : order) {
        int best         = 0;
        double best_cost = 0, best_tie = 0;
        for (int g = 0; g < num_gpus; ++g) {
            const double w    = (gpu_work[g] + work[i]) / work_mean;
            const double t    = (gpu_tokens[g] + static_cast<double>(batch[i].input_tokens)) / token_mean;
            const double cost = std::max(w, t), tie = w + t;
            if (g == 0 || cost < best_cost || (cost == best_cost && tie < best_tie))
                best = g, best_cost = cost, best_tie = tie;
        }
        out[i] = best;
        gpu_work[best] += work[i];
        gpu_tokens[best] += static_cast<double>(batch[i].input_tokens);
    }
    return out;
}

} // namespace moetwin::balancer
