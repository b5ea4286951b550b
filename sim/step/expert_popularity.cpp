// SPDX-License-Identifier: Apache-2.0
// expert_popularity(): the scenario's popularity distribution as per-layer expert weights.
#include "sim/step/expert_popularity.hpp"

#include "common/errors.hpp"
#include "common/rng.hpp"
#include "moe/expert_load_json.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace moetwin::step {

ExpertLoad expert_popularity(const Scenario& s, const ModelSpec& full, const ModelSpec& model) {
    ExpertLoad load;
    load.num_layers  = model.num_moe_layers();
    load.num_experts = model.num_routed_experts;
    load.tokens.assign(std::size_t(load.num_layers) * std::size_t(load.num_experts), 1.0);
    const RoutingConfig& r = s.routing;

    ExpertLoad file;
    std::vector<int> kept;
    if (r.popularity == ExpertPopularity::File) {
        file = load_expert_load(r.loads_path);
        if (file.num_experts != load.num_experts)
            throw ConfigError(r.loads_path.string() + ": " + std::to_string(file.num_experts) +
                              " experts per layer, model " + model.name + " has " + std::to_string(load.num_experts));
        if (file.num_layers != full.num_layers) file = drop_empty_layers(file, &kept);
    }
    for (int l = 0; l < load.num_layers; ++l) {
        auto row = load.layer(l);
        Rng rng(s.seed, 0x90b0000ull + uint64_t(l));
        switch (r.popularity) {
        case ExpertPopularity::Uniform:
            break;
        case ExpertPopularity::Zipf: {
            std::vector<int> perm(row.size());
            std::iota(perm.begin(), perm.end(), 0);
            for (std::size_t i = perm.size(); i > 1; --i)
                std::swap(perm[i - 1], perm[std::size_t(rng.next() % i)]);
            for (std::size_t i = 0; i < perm.size(); ++i)
                row[std::size_t(perm[i])] = std::pow(double(i + 1), -r.zipf_s);
            break;
        }
        case ExpertPopularity::LogNormal:
            for (double& w : row)
                w = rng.lognormal(0.0, r.lognormal_sigma);
            break;
        case ExpertPopularity::File: {
            const int src = file.num_layers == full.num_layers ? full.num_dense_layers + l : l % file.num_layers;
            const auto in = file.layer(src);
            std::copy(in.begin(), in.end(), row.begin());
            break;
        }
        }
        const double sum = std::accumulate(row.begin(), row.end(), 0.0);
        if (!(sum > 0)) throw ConfigError("routing.popularity: layer " + std::to_string(l) + " has no load");
        for (double& w : row)
            w *= double(model.top_k) / sum;
    }
    return load;
}

} // namespace moetwin::step
