// SPDX-License-Identifier: Apache-2.0
// Seeded sampling of tokens' top-k sets under the group-limited gate, fitted to recorded loads.
#include "sim/balancer/token_sampler.hpp"

#include "sim/balancer/load_control.hpp"
#include "sim/balancer/marginal_fit.hpp"
#include "sim/balancer/rng.hpp"

#include "common/errors.hpp"

#include <algorithm>
#include <cmath>
#include <optional>
#include <ostream>
#include <string>

namespace moetwin::balancer {
namespace {

// Tokens between two updates of the load controller. An update costs O(experts) here (group
// masses; draw_token has no tables), so batches are short: with 128 tokens an 8,192-token sample of
// the shipped prefill recording comes out at 0.35 % TV per layer, where multinomial noise alone
// is about 2.5 % (test_dispatch_traffic.cpp).
constexpr int kControlBatchTokens = 128;

// Draws one token's experts. `w` [E] > 0; `group_mass` [G] = Σ w per group. Scratch is caller's.
void draw_token(const GateSpec& gate, std::span<const double> w, std::span<const double> group_mass, Rng& rng,
                std::vector<double>& rem, std::vector<int>& chosen_groups, std::vector<char>& taken, int* out) {
    const int G = gate.num_groups, gs = gate.group_size();
    rem.assign(group_mass.begin(), group_mass.end());
    chosen_groups.clear();
    for (int k = 0; k < gate.topk_groups; ++k) { // groups without replacement ∝ mass
        double total = 0;
        for (int g = 0; g < G; ++g)
            total += rem[g];
        double u = rng.uniform() * total;
        int pick = -1;
        for (int g = 0; g < G; ++g) {
            if (rem[g] <= 0) continue;
            pick = g;
            if ((u -= rem[g]) < 0) break;
        }
        chosen_groups.push_back(pick);
        rem[pick] = 0;
    }
    for (int g : chosen_groups)
        rem[g] = group_mass[g];
    for (int k = 0; k < gate.topk; ++k) { // experts without replacement ∝ weight, inside chosen groups
        double total = 0;
        for (int g : chosen_groups)
            total += std::max(rem[g], 0.0);
        double u  = rng.uniform() * total;
        int group = chosen_groups.back();
        for (int g : chosen_groups) {
            if (rem[g] <= 0) continue;
            group = g;
            if ((u -= rem[g]) < 0) break;
        }
        double v = rng.uniform() * std::max(rem[group], 0.0);
        int pick = -1;
        for (int i = group * gs; i < (group + 1) * gs; ++i) {
            if (taken[i]) continue;
            pick = i;
            if ((v -= w[i]) < 0) break;
        }
        if (pick < 0) // rounding left this group empty: take any free expert of a chosen group
            for (int g : chosen_groups)
                for (int i = g * gs; i < (g + 1) * gs && pick < 0; ++i)
                    if (!taken[i]) pick = i;
        taken[pick] = 1;
        rem[group] -= w[pick];
        out[k] = pick;
    }
    for (int k = 0; k < gate.topk; ++k)
        taken[out[k]] = 0;
}

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

    std::vector<double> w(E), target(E), group_mass(G), rem;
    std::vector<int> chosen, picks(K), cal_picks;
    std::vector<char> taken(E, 0);
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
                    draw_token(gate, w, group_mass, cal, rem, chosen, taken, picks.data());
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
            draw_token(gate, w, group_mass, rng, rem, chosen, taken, dst + t * K);
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

} // namespace moetwin::balancer
