// SPDX-License-Identifier: Apache-2.0
// fit_layer_gate(): coarse proportional fit of one layer's gate weights on route_layer's own
// sampler, then a load controller on the fitted weights.
#include "sim/step/popularity_fit.hpp"

#include "common/errors.hpp"
#include "common/rng.hpp"
#include "sim/step/gate_sampler.hpp"

#include <algorithm>
#include <vector>

namespace moetwin::step {

LayerFitStats fit_layer_gate(LayerGate& prepared, const GateSpec& g, int node_limit, std::span<const double> target,
                             int64_t samples, uint64_t seed, uint64_t stream, const MarginalFitSpec& spec) {
    if (samples < 1) throw ConfigError("popularity fit: samples must be >= 1, got " + std::to_string(samples));
    if (int(target.size()) != g.num_experts) throw ConfigError("popularity fit: target size != num_experts");
    std::vector<int> experts(std::size_t(samples) * std::size_t(g.topk));
    std::vector<int64_t> hits(std::size_t(g.num_experts));
    bool first    = true; // the first evaluation is of prepared's own tables (the target as weights)
    auto realised = [&](std::span<const double> w, std::span<double> shares) {
        if (!first) {
            prepared.w.assign(w.begin(), w.end());
            prepared.tables->reweight(prepared.w);
        }
        first = false;
        Rng rng(seed, stream);
        draw_gate_tokens(g, node_limit, -1, prepared, rng, experts);
        std::fill(hits.begin(), hits.end(), 0);
        for (int e : experts)
            ++hits[std::size_t(e)];
        for (std::size_t e = 0; e < hits.size(); ++e)
            shares[e] = double(hits[e]) / double(experts.size());
    };
    const MarginalFit fit = fit_marginals(target, realised, spec);
    prepared.w            = fit.weights;
    prepared.tables->reweight(prepared.w);
    prepared.control.emplace(target, prepared.w, g.topk);
    LayerFitStats st;
    st.rounds     = fit.rounds;
    st.tv_initial = fit.tv_initial;
    st.tv_final   = fit.tv_final;
    return st;
}

} // namespace moetwin::step
