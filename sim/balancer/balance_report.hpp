// SPDX-License-Identifier: Apache-2.0
// Runs placement policies on recorded loads and measures them (what `moetwin balance` prints):
// busiest/mean load, dispatch-receive tokens, IB bytes under node-limited routing, run time.
#pragma once

#include "sim/balancer/placement_metrics.hpp"
#include "sim/balancer/traffic.hpp"

#include <iosfwd>
#include <string>
#include <vector>

namespace moetwin::balancer {

struct BalanceRequest {
    ExpertLoad fit;  // placements are computed from this load ...
    ExpertLoad eval; // ... and measured on this one (same shape; the same load without --fit/--eval)
    PlacementSpec spec;
    GateSpec gate;
    TokenSampleSpec tokens; // sampled from `eval`
    TrafficSpec bytes;
    std::string dispatch = "same_node_first";
    std::vector<std::string> policies; // empty: every registered policy
    int timing_repeats = 3;            // run time = fastest of this many runs
    void validate() const;
};

std::ostream& operator<<(std::ostream& os, const BalanceRequest& r);

struct PolicyResult {
    std::string policy;
    std::string skipped;     // non-empty: why the policy does not apply to this spec (nothing measured)
    std::vector<int> layers; // original layer index of each measured layer (dense layers dropped)
    BalanceSummary balance;
    TrafficSummary traffic;
    double run_time_s = 0;
};

// The policy deepseek-ai/EPLB's entry point would pick for this spec (reference §8).
std::string eplb_choice(const PlacementSpec& spec);

// Zero-load layers of `fit` (dense layers) are dropped from both loads first.
std::vector<PolicyResult> evaluate_policies(const BalanceRequest& request);

// A fixed-width table; the "vs EPLB" column compares busiest/mean with eplb_choice(spec).
void print_balance_table(const std::vector<PolicyResult>& results, const BalanceRequest& request, std::ostream& out);

// One row per policy; and one row per policy and layer.
void write_balance_csv(const std::vector<PolicyResult>& results, std::ostream& out);
void write_balance_layers_csv(const std::vector<PolicyResult>& results, std::ostream& out);

} // namespace moetwin::balancer
