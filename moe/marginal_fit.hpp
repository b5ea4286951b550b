// SPDX-License-Identifier: Apache-2.0
// fit_marginals(): the per-expert weights a sampler must be given so that the experts it selects
// come out in given shares. Group-limited top-k without replacement does not select an expert in
// proportion to its weight (hot groups are over-drawn by the group step, hot experts under-drawn
// because a token takes each expert once, the node limit favours experts beside hot ones), so
// recorded loads used as weights come out distorted (issue 12: 48 % of layer 30's selections in
// group 0 where the recording has 37 %). The fit is iterative proportional fitting on the sampler's
// realised shares, w_e <- w_e * target_e / realised_e: the fixed point reproduces the target
// exactly, and the map is a contraction in practice because every realised share increases with
// its own weight. One driver for every sampler of recorded loads: the step's router
// (sim/step/popularity_fit.hpp) and `moetwin balance`'s token sampler (token_sampler.hpp), both
// followed by a LoadController (load_control.hpp) that removes what the fit's sample noise leaves.
#pragma once

#include <functional>
#include <iosfwd>
#include <span>
#include <vector>

namespace moetwin {

struct MarginalFitSpec {
    int max_rounds   = 8;     // realised-share evaluations at most
    double tolerance = 0.001; // stop at this total-variation distance between realised and target
    // true: return the weights after the last round's update, not evaluated (a coarse fit whose
    // remaining error a LoadController removes: one more step for no more evaluations).
    bool take_last_step = false;
    void validate() const;
};

std::ostream& operator<<(std::ostream& os, const MarginalFitSpec& s);

struct MarginalFit {
    std::vector<double> weights;  // [experts] the best weights found (mean 1)
    std::vector<double> realised; // [experts] their realised shares
    int rounds        = 0;        // evaluations made
    double tv_initial = 0;        // TV(realised, target) with the target as weights
    double tv_final   = 0;        // TV(realised, target) with `weights`
};

// (weights [E], shares out [E]): the sampler's per-expert selection shares (sum 1) for weights > 0.
// Must be deterministic (fixed seed: the fit then converges on common random numbers).
using RealisedSharesFn = std::function<void(std::span<const double>, std::span<double>)>;

// Contract: target [E] >= 0 with a positive sum (normalised here). Deterministic. Experts with
// target 0 keep a weight of 1e-9 x the mean (the samplers' floor). Each round multiplies w_e by
// target_e / realised_e, clamped to [1/4, 4] (an expert the sample never selected moves by 4x, not
// to infinity); the weights with the smallest TV seen are returned (with spec.take_last_step and
// no early stop: the last round's updated weights; tv_final is then still the best TV evaluated).
MarginalFit fit_marginals(std::span<const double> target, const RealisedSharesFn& realised,
                          const MarginalFitSpec& spec = {});

// 0.5 x sum |a_e - b_e| of two share vectors (each summing to 1).
double total_variation(std::span<const double> a, std::span<const double> b);

} // namespace moetwin
