// SPDX-License-Identifier: Apache-2.0
// Balancer figures: deepseek-ai/EPLB's README example (reference §8), from the one copy in
// sim/balancer/placement/eplb_readme.hpp: the published phy2log element by element, and the busiest
// GPU / mean of the reference's per-GPU load table for the hierarchical and global policies.
#include "sim/check/checks.hpp"

#include "sim/balancer/placement/eplb_readme.hpp"
#include "sim/balancer/placement/policies.hpp"
#include "sim/balancer/placement_metrics.hpp"

#include <algorithm>
#include <numeric>

namespace moetwin::check {
namespace {

template <std::size_t N> double max_over_mean(const std::array<double, N>& loads) {
    const double mean = std::accumulate(loads.begin(), loads.end(), 0.0) / double(N);
    return *std::max_element(loads.begin(), loads.end()) / mean;
}

} // namespace

std::vector<CheckRow> balancer_rows(const CheckContext&) {
    using namespace balancer;
    const ExpertLoad w      = eplb_readme::weight();
    const Placement h       = place_eplb_hierarchical(w, eplb_readme::kSpec);
    const Placement g       = place_eplb_global(w, eplb_readme::kSpec);
    const BalanceSummary hb = busiest_over_mean(h, eplb_readme::kSpec, w);
    const BalanceSummary gb = busiest_over_mean(g, eplb_readme::kSpec, w);
    std::vector<CheckRow> rows;
    for (int l = 0; l < 2; ++l) {
        const auto slots = h.slots(l);
        int same         = 0;
        for (std::size_t i = 0; i < eplb_readme::kHierarchicalPhy2log[std::size_t(l)].size(); ++i)
            same += slots[i] == eplb_readme::kHierarchicalPhy2log[std::size_t(l)][i];
        rows.push_back({.group     = "eplb",
                        .item      = "README phy2log layer " + std::to_string(l) + ", slots equal",
                        .source    = "reference §8 (deepseek-ai/EPLB README)",
                        .unit      = "slots",
                        .published = double(eplb_readme::kHierarchicalPhy2log[std::size_t(l)].size()),
                        .twin      = double(same),
                        .tolerance = 0});
    }
    for (int l = 0; l < 2; ++l) {
        rows.push_back({.group     = "eplb",
                        .item      = "hierarchical busiest GPU / mean, layer " + std::to_string(l),
                        .source    = "reference §8 test vectors",
                        .unit      = "ratio",
                        .published = max_over_mean(eplb_readme::kHierarchicalGpuLoads[std::size_t(l)]),
                        .twin      = hb.layer_ratio[std::size_t(l)],
                        .tolerance = 1e-9});
        rows.push_back({.group     = "eplb",
                        .item      = "global busiest GPU / mean, layer " + std::to_string(l),
                        .source    = "reference §8 test vectors",
                        .unit      = "ratio",
                        .published = max_over_mean(eplb_readme::kGlobalGpuLoads[std::size_t(l)]),
                        .twin      = gb.layer_ratio[std::size_t(l)],
                        .tolerance = 1e-9});
    }
    return rows;
}

} // namespace moetwin::check
