// SPDX-License-Identifier: Apache-2.0
// Min-max split of divisible work across GPUs (the load-aware dispatch's solver): classes of unit
// pairs, each class may go to a set of hubs (an expert's replicas on one node), each hub to a set
// of GPUs; minimise the busiest GPU's load, fixed loads included. Parametric max-flow, exact.
#pragma once

#include <cstdint>
#include <vector>

namespace moetwin::balancer {

struct MinMaxProblem {
    int num_gpus = 0;
    std::vector<int64_t> fixed_load;          // [num_gpus] load that has no choice
    std::vector<std::vector<int>> hub_gpus;   // [hub] GPUs of the hub (distinct)
    std::vector<int64_t> class_weight;        // [class] pairs in the class (>= 0)
    std::vector<std::vector<int>> class_hubs; // [class] hubs the class may use (distinct, >= 1), preferred first
};

struct MinMaxSolution {
    int64_t max_load = 0;                             // the optimum: busiest GPU's load
    std::vector<std::vector<int64_t>> class_hub_flow; // aligned with class_hubs
    std::vector<std::vector<int64_t>> hub_gpu_flow;   // aligned with hub_gpus
    int rounds = 0;                                   // parametric steps (max-flow calls)
};

// Contract: pure and deterministic. Returns flows with sum over hubs of class_hub_flow[c] =
// class_weight[c], hub inflow = hub outflow, and fixed_load[g] + inflow(g) <= max_load for every
// GPU, where max_load is the least such value over all integral splits (exact; integral flows exist
// since every capacity is an integer). Method: max-flow source -> class (weight) -> hub (inf) -> GPU
// (inf) -> sink (T - fixed_load[g]), starting at the lower bound T = max(max fixed, ceil(total / G)).
// While the flow falls short by D, the GPUs reachable from the source in the residual graph (k of
// them, all saturated) bound the optimum below by T + ceil(D / k) (the cut they define grows by k
// per unit of T), so T rises to that and the flow is augmented, never restarted. Dinic's search
// follows class_hubs in order, so preferred hubs fill first (a tie-break, not an optimum of locality).
// Throws ConfigError on a malformed problem (an index out of range, a class without hubs).
MinMaxSolution solve_min_max(const MinMaxProblem& problem);

} // namespace moetwin::balancer
