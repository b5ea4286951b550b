// SPDX-License-Identifier: Apache-2.0
// prepare_layer(): a MoE layer's routing tables, shared by its micro-batches.
#include "sim/step/layer_gate.hpp"

#include "common/errors.hpp"
#include "sim/step/popularity_fit.hpp"

#include <algorithm>
#include <numeric>

namespace moetwin::step {
namespace {

// Stream of the coarse fit's sample (+ the MoE layer); route_layer's streams are the plan's.
constexpr uint64_t kFitStream = 0xf170000ull;

} // namespace

LayerGate prepare_layer(const LayerRoutingInput& in) {
    const GateSpec& g = in.gate;
    g.validate();
    if (int(in.weights.size()) != g.num_experts) throw ConfigError("route_layer: weights size != num_experts");
    const int num_gpus = int(in.tokens_per_gpu.size());
    LayerGate p;
    // Floor weights so every expert can be drawn (sample_tokens does the same).
    p.w.assign(in.weights.begin(), in.weights.end());
    const double mean = std::accumulate(p.w.begin(), p.w.end(), 0.0) / double(p.w.size());
    for (double& x : p.w)
        x = std::max(x, 1e-9 * mean);
    // Slot -> GPU, GPU -> node and expert -> home node, without divisions in the per-token loops.
    p.slot_gpu.resize(std::size_t(in.spec->num_slots));
    p.gpu_node.resize(std::size_t(num_gpus));
    for (int sl = 0; sl < in.spec->num_slots; ++sl)
        p.slot_gpu[std::size_t(sl)] = in.spec->gpu_of_slot(sl);
    for (int gp = 0; gp < num_gpus; ++gp)
        p.gpu_node[std::size_t(gp)] = gp / in.gpus_per_node;
    p.home.resize(std::size_t(g.num_experts));
    for (int e = 0; e < g.num_experts; ++e)
        p.home[std::size_t(e)] = in.spec->node_of_gpu(p.slot_gpu[std::size_t(in.placement->replicas(in.layer, e)[0])]);
    p.num_nodes = in.spec->num_nodes;
    p.tables.emplace(g, p.w, p.home, p.num_nodes);
    if (in.fit_samples > 0) {
        const LayerFitStats st =
            fit_layer_gate(p, g, in.node_limit, in.weights, in.fit_samples, in.seed, kFitStream + uint64_t(in.layer));
        p.fit_rounds     = st.rounds;
        p.fit_tv_initial = st.tv_initial;
    }
    return p;
}

} // namespace moetwin::step
