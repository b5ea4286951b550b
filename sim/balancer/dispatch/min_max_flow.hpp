// SPDX-License-Identifier: Apache-2.0
// Min-max split of divisible work across GPUs (the load-aware dispatch's solver): items (an
// expert's tokens in one micro-batch), each may go to a set of GPUs (its replicas' GPUs); minimise
// the busiest GPU's load, fixed loads (single-replica experts) included. Parametric max-flow, exact.
#pragma once

#include <cstdint>
#include <vector>

namespace moetwin::balancer {

struct MinMaxProblem {
    int num_gpus = 0;
    std::vector<int64_t> fixed_load;         // [num_gpus] load that has no choice
    std::vector<int64_t> item_weight;        // [item] units to split (>= 0)
    std::vector<std::vector<int>> item_gpus; // [item] GPUs the item may use (distinct, >= 1)
};

struct MinMaxSolution {
    int64_t max_load = 0;                            // the optimum: busiest GPU's load
    std::vector<std::vector<int64_t>> item_gpu_flow; // aligned with item_gpus
    int rounds  = 0;                                 // parametric steps (max-flow calls)
    int64_t ops = 0; // edges built + edges scanned by BFS and DFS (the solver's operation count)
};

// Contract: pure and deterministic. Returns flows with sum over GPUs of item_gpu_flow[i] =
// item_weight[i] and fixed_load[g] + inflow(g) <= max_load for every GPU, where max_load is the
// least such value over all integral splits (exact; integral flows exist since every capacity is an
// integer). Method: max-flow source -> item (weight) -> GPU (inf) -> sink (T - fixed_load[g]),
// starting at the lower bound T = max(max fixed, ceil(total / G)). While the flow falls short by D,
// the GPUs reachable from the source in the residual graph (k of them, all saturated) bound the
// optimum below by T + ceil(D / k): the cut they define (items not reached, GPUs reached) has
// capacity total - D at T and grows by exactly k per unit of T, and a cut bounds every flow. So T
// rises to that and the flow is augmented, never restarted; each round raises T by >= 1 and stops
// at the first feasible T, the optimum. Size: items + GPUs vertices, sum |item_gpus| + items + GPUs
// edges (O(slots)). Throws ConfigError on a malformed problem (an index out of range, an item
// without GPUs).
MinMaxSolution solve_min_max(const MinMaxProblem& problem);

} // namespace moetwin::balancer
