// SPDX-License-Identifier: Apache-2.0
// Token→GPU traffic from the DeepSeek-V3 gate (traffic.hpp).
#include "engine/profiler/traffic.hpp"

#include "common/rng.hpp"
#include "engine/kernels/moe_gate.hpp"

#include <stdexcept>

namespace moetwin::profiler {

int64_t Traffic::sent(int src) const {
    int64_t n = 0;
    for (int d = 0; d < num_gpus; ++d)
        n += tokens[size_t(src * num_gpus + d)];
    return n;
}

int64_t Traffic::received(int dst) const {
    int64_t n = 0;
    for (int s = 0; s < num_gpus; ++s)
        n += tokens[size_t(s * num_gpus + dst)];
    return n;
}

Traffic route_tokens(const TrafficConfig& c) {
    if (c.num_gpus < 1 || c.num_experts % c.num_gpus != 0)
        throw std::invalid_argument("route_tokens: num_experts must be a multiple of num_gpus");
    // Standard normal logits and bias from the project's Rng (common/rng.hpp: the same draws on
    // every standard library).
    Rng rng(c.seed);
    std::vector<float> bias(size_t(c.num_experts));
    for (float& b : bias)
        b = float(c.skew * rng.normal());
    Traffic t;
    t.num_gpus = c.num_gpus;
    t.tokens.assign(size_t(c.num_gpus) * size_t(c.num_gpus), 0);
    t.expert_load.assign(size_t(c.num_experts), 0);
    const int per_gpu = c.num_experts / c.num_gpus;
    std::vector<float> logits(size_t(c.tokens_per_gpu) * size_t(c.num_experts)),
        weights(size_t(c.tokens_per_gpu * c.top_k));
    std::vector<int32_t> ids(weights.size());
    for (int src = 0; src < c.num_gpus; ++src) {
        for (float& l : logits)
            l = float(rng.normal());
        kernels::MoeGateParams g;
        g.num_tokens = c.tokens_per_gpu, g.num_experts = c.num_experts, g.num_groups = c.num_groups;
        g.topk_groups = c.topk_groups, g.top_k = c.top_k, g.logits = logits.data(), g.bias = bias.data();
        g.topk_ids = ids.data(), g.topk_weights = weights.data();
        kernels::moe_gate_ref(g);
        for (int64_t tok = 0; tok < c.tokens_per_gpu; ++tok) {
            std::vector<bool> to(size_t(c.num_gpus), false);
            for (int k = 0; k < c.top_k; ++k) {
                const int32_t e = ids[size_t(tok * c.top_k + k)];
                ++t.expert_load[size_t(e)];
                to[size_t(e / per_gpu)] = true;
            }
            for (int d = 0; d < c.num_gpus; ++d)
                if (to[size_t(d)]) ++t.tokens[size_t(src * c.num_gpus + d)];
        }
    }
    return t;
}

} // namespace moetwin::profiler
