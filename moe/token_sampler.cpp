// SPDX-License-Identifier: Apache-2.0
// Seeded sampling of tokens' top-k sets under the group-limited gate, fitted to recorded loads.
#include "moe/token_sampler.hpp"

#include "common/rng.hpp"
#include "moe/gate_law.hpp"
#include "moe/load_control.hpp"
#include "moe/marginal_fit.hpp"

#include "common/errors.hpp"

#include <algorithm>
#include <cmath>
#include <optional>
#include <ostream>
#include <string>

namespace moetwin {
namespace {

// Tokens between two updates of the load controller. An update costs O(experts) here (group
// masses; draw_gate_token has no tables), so batches are short: with 128 tokens an 8,192-token sample of
// the shipped prefill recording comes out at 0.35 % TV per layer, where multinomial noise alone
// is about 2.5 % (test_dispatch_traffic.cpp).
constexpr int kControlBatchTokens = 128;

} // namespace

void TokenSampleSpec::validate() const {
    if (num_tokens < 1) throw ConfigError("token sample: num_tokens must be ≥ 1");
    if (calibration_rounds < 0) throw ConfigError("token sample: calibration_rounds must be ≥ 0");
    if (calibration_rounds > 0 && calibration_tokens < 1)
        throw ConfigError("token sample: calibration_tokens must be ≥ 1");
}

std::ostream& operator<<(std::ostream& os, const TokenSampleSpec& s) {
    return os << "TokenSampleSpec{num_tokens=" << s.num_tokens << ", seed=" << s.seed
              << ", calibration_rounds=" << s.calibration_rounds << ", calibration_tokens=" << s.calibration_tokens
              << "}";
}

TokenSample sample_tokens(const ExpertLoad& load, const GateSpec& gate, const TokenSampleSpec& spec) {
    gate.validate();
    spec.validate();
    load.validate();
    if (load.num_experts != gate.num_experts)
        throw ConfigError("token sample: the load has " + std::to_string(load.num_experts) + " experts but the gate " +
                          std::to_string(gate.num_experts));
    const int E = gate.num_experts, G = gate.num_groups, gs = gate.group_size(), K = gate.topk;
    TokenSample out{load.num_layers, spec.num_tokens, K, {}};
    out.experts.resize(static_cast<std::size_t>(load.num_layers) * spec.num_tokens * K);

    std::vector<double> w(E), target(E), group_mass(G);
    std::vector<int> picks(K);
    GateDrawScratch scratch;
    auto masses = [&] {
        std::fill(group_mass.begin(), group_mass.end(), 0.0);
        for (int e = 0; e < E; ++e)
            group_mass[e / gs] += w[e];
    };
    for (int l = 0; l < load.num_layers; ++l) {
        const auto row = load.layer(l);
        double sum     = 0;
        for (double v : row)
            sum += v;
        const double floor = (sum > 0 ? sum / E : 1.0) * 1e-9; // zero-load experts: almost never drawn
        for (int e = 0; e < E; ++e) {
            target[e] = sum > 0 ? row[e] / sum : 1.0 / E;
            w[e]      = std::max(row[e], floor);
        }
        const bool held = spec.calibration_rounds > 0;
        if (held) {
            // The coarse fit (marginal_fit.hpp) on common random numbers: every round draws the
            // same calibration tokens, then one more multiplicative step taken unevaluated.
            auto realised = [&](std::span<const double> wt, std::span<double> shares) {
                std::copy(wt.begin(), wt.end(), w.begin());
                masses();
                Rng cal(spec.seed, 2 * static_cast<std::uint64_t>(l));
                std::fill(shares.begin(), shares.end(), 0.0);
                for (int t = 0; t < spec.calibration_tokens; ++t) {
                    draw_gate_token(gate, w, group_mass, NodeLimit{}, cal, scratch, picks);
                    for (int e : picks)
                        shares[std::size_t(e)] += 1.0 / (double(spec.calibration_tokens) * K);
                }
            };
            w = fit_marginals(target, realised, {spec.calibration_rounds, 0.0, true}).weights;
        }
        masses();
        // Held to the recorded shares while sampling (load_control.hpp: the step's controller),
        // updated every kControlBatchTokens tokens (an update here only recomputes group masses).
        std::optional<LoadController> control;
        if (held) control.emplace(target, w, K);
        Rng rng(spec.seed, 2 * static_cast<std::uint64_t>(l) + 1);
        int* dst = out.experts.data() + static_cast<std::size_t>(l) * spec.num_tokens * K;
        for (int t = 0; t < spec.num_tokens; ++t) {
            if (control && t > 0 && t % kControlBatchTokens == 0) {
                control->update(w);
                masses();
            }
            draw_gate_token(gate, w, group_mass, NodeLimit{}, rng, scratch,
                            std::span<int>(dst + t * K, std::size_t(K)));
            if (!control) continue;
            for (int k = 0; k < K; ++k)
                control->add_selection(dst[t * K + k], 1);
            control->add_tokens(1);
        }
    }
    return out;
}

double sample_fit_error(const ExpertLoad& load, const TokenSample& sample) {
    MOETWIN_ASSERT(load.num_layers == sample.num_layers, "sample_fit_error: layers");
    double acc = 0;
    std::vector<double> freq(load.num_experts);
    for (int l = 0; l < load.num_layers; ++l) {
        std::fill(freq.begin(), freq.end(), 0.0);
        for (int e : sample.layer(l))
            freq[e] += 1.0;
        double sum = 0, tv = 0;
        for (double v : load.layer(l))
            sum += v;
        const double n = static_cast<double>(sample.num_tokens) * sample.topk;
        for (int e = 0; e < load.num_experts; ++e)
            tv += std::abs(freq[e] / n - (sum > 0 ? load.at(l, e) / sum : 0));
        acc += tv / 2;
    }
    return acc / load.num_layers;
}

} // namespace moetwin
