// SPDX-License-Identifier: Apache-2.0
// PopularityFitReport: per-layer TV of a step's routed loads against the fitted popularity.
#include "sim/step/popularity_report.hpp"

#include "moe/marginal_fit.hpp"

#include <algorithm>
#include <cstdio>
#include <numeric>

namespace moetwin::step {
namespace {

std::string mean_max(const std::vector<double>& v) {
    char buf[64];
    const double mean = v.empty() ? 0.0 : std::accumulate(v.begin(), v.end(), 0.0) / double(v.size());
    const double max  = v.empty() ? 0.0 : *std::max_element(v.begin(), v.end());
    std::snprintf(buf, sizeof buf, "%.2f %% / %.2f %%", 100 * mean, 100 * max);
    return buf;
}

} // namespace

double routed_tv(std::span<const double> target, std::span<const LayerRouting> routing) {
    std::vector<double> got(target.size(), 0.0), want(target.begin(), target.end());
    for (const LayerRouting& r : routing)
        for (std::size_t e = 0; e < got.size(); ++e)
            got[e] += double(r.expert_selections[e]);
    const double sg = std::accumulate(got.begin(), got.end(), 0.0), sw = std::accumulate(want.begin(), want.end(), 0.0);
    if (!(sg > 0) || !(sw > 0)) return 0;
    for (double& x : got)
        x /= sg;
    for (double& x : want)
        x /= sw;
    return total_variation(got, want);
}

void add_layer_fit(PopularityFitReport& r, const LayerGate& prepared, std::span<const double> target,
                   const std::vector<LayerRouting>& routing, int l, int mbs) {
    r.tv_recorded.push_back(prepared.fit_tv_initial);
    r.tv_step.push_back(
        routed_tv(target, std::span<const LayerRouting>(routing).subspan(std::size_t(l * mbs), std::size_t(mbs))));
    r.rounds += prepared.fit_rounds;
    r.updates += prepared.control ? prepared.control->batches() : 0;
}

std::string describe(const PopularityFitReport& r) {
    return "recorded loads held per MoE layer (TV to the recording, mean / max over layers): " + mean_max(r.tv_step) +
           " in the step's routed loads (" + std::to_string(r.updates) + " controller updates after a coarse fit of " +
           std::to_string(r.rounds) + " sampler evaluations); with the recorded loads as gate weights it would be " +
           mean_max(r.tv_recorded) + " (fit sample)";
}

} // namespace moetwin::step
