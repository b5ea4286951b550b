// SPDX-License-Identifier: Apache-2.0
// route_layer(): gate sampling with node limit, replica dispatch, traffic matrix.
#include "sim/step/layer_routing.hpp"

#include "common/errors.hpp"
#include "common/rng.hpp"
#include "sim/step/gate_sampler.hpp"
#include "sim/step/layer_gate.hpp"
#include "sim/step/layer_traffic.hpp"

#include <algorithm>
#include <numeric>

namespace moetwin::step {

LayerRouting route_layer(const LayerRoutingInput& in) {
    LayerGate prepared = prepare_layer(in);
    return route_layer(in, prepared);
}

LayerRouting route_layer(const LayerRoutingInput& in, LayerGate& prepared) {
    const GateSpec& g = in.gate;
    g.validate();
    if (int(in.weights.size()) != g.num_experts) throw ConfigError("route_layer: weights size != num_experts");
    if (in.max_samples_per_gpu < 1) throw ConfigError("route_layer: max_samples_per_gpu must be >= 1");
    const int num_gpus = int(in.tokens_per_gpu.size());
    if (int(prepared.gpu_node.size()) != num_gpus) throw ConfigError("route_layer: prepared for another GPU count");

    LayerRouting out;
    // Tokens of a GPU beyond max_samples_per_gpu are bundles: each sampled token stands for
    // base or base + 1 identical tokens, so counts stay exact sums.
    std::vector<int64_t> bundle; // weight per sampled token
    std::vector<int> source;
    std::size_t num_samples = 0;
    for (int src = 0; src < num_gpus; ++src) {
        out.num_tokens += in.tokens_per_gpu[std::size_t(src)];
        num_samples += std::size_t(std::min<int64_t>(in.tokens_per_gpu[std::size_t(src)], in.max_samples_per_gpu));
    }
    bundle.reserve(num_samples);
    source.reserve(num_samples);
    for (int src = 0; src < num_gpus; ++src) {
        const int64_t n       = in.tokens_per_gpu[std::size_t(src)];
        const int64_t samples = std::min<int64_t>(n, in.max_samples_per_gpu);
        for (int64_t i = 0; i < samples; ++i) {
            bundle.push_back(n / samples + (i < n % samples ? 1 : 0));
            source.push_back(src);
        }
    }
    const int kk = g.topk + (in.shared_expert >= 0 ? 1 : 0); // selections per token
    std::vector<int> experts(source.size() * std::size_t(kk));
    Rng rng(in.seed, in.stream);

    if (!prepared.control) {
        out.node_limit_relaxed = draw_gate_tokens(g, in.node_limit, in.shared_expert, prepared, rng, experts);
    } else {
        // Held to the recorded loads (popularity_fit.hpp): batches of tokens, each drawn exactly
        // from the gate with the weights in force, the controller moving the weights in between.
        LoadController& control = *prepared.control;
        const std::size_t batch = std::size_t(control_batch_tokens(int64_t(source.size())));
        for (std::size_t first = 0; first < source.size(); first += batch) {
            if (control.pending()) { // the weights for this batch (none after the layer's last)
                control.update(prepared.w);
                prepared.tables->reweight(prepared.w);
            }
            const std::size_t n = std::min(batch, source.size() - first);
            out.node_limit_relaxed +=
                draw_gate_tokens(g, in.node_limit, in.shared_expert, prepared, rng,
                                 std::span<int>(experts).subspan(first * std::size_t(kk), n * std::size_t(kk)));
            for (std::size_t t = first; t < first + n; ++t) {
                for (int j = 0; j < g.topk; ++j) // routed experts only (a shared expert is last)
                    control.add_selection(experts[t * std::size_t(kk) + std::size_t(j)], bundle[t]);
                control.add_tokens(bundle[t]);
            }
        }
    }
    tally_layer(in, prepared, experts, source, bundle, kk, out);
    return out;
}

GpuExpertWork gpu_expert_work(const LayerRouting& r, const balancer::PlacementSpec& spec, int gpu) {
    GpuExpertWork w;
    const int first = spec.first_slot(gpu);
    for (int k = 0; k < spec.slots_on_gpu(gpu); ++k) {
        const int64_t n = r.slot_selections[std::size_t(first + k)];
        w.selections += n;
        w.experts_used += n > 0;
    }
    w.tokens_per_expert = w.experts_used > 0 ? (w.selections + w.experts_used - 1) / w.experts_used : 0;
    return w;
}

} // namespace moetwin::step
