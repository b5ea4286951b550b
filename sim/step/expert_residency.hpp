// SPDX-License-Identifier: Apache-2.0
// Expert offloading's two small models, pure and unit-tested by hand: which experts of one GPU's layer
// stay resident under a policy over a sequence of steps (with its hit rate), and how fast several GPUs
// fetch weights from host memory when each has its own PCIe link and all share the host.
#pragma once

#include "common/rng.hpp"
#include "sim/scenario_offload.hpp"

#include <cstdint>
#include <span>
#include <vector>

namespace moetwin::step {

struct ResidencyTrace {
    int64_t hits     = 0;      // accesses to a resident expert
    int64_t accesses = 0;      // every activated expert of every step
    std::vector<int> resident; // the resident experts after the last step, ascending
    double hit_rate() const { return accesses > 0 ? double(hits) / double(accesses) : 1.0; }
};

// Contract: experts are 0..num_experts-1, `capacity` in [0, num_experts], `weights` (static_hottest's
// ranking: expected selections per step) has num_experts entries, steps[i] lists step i's activated
// experts (each once), in access order.
//  - static_hottest: the `capacity` heaviest experts (ties: lower id) are resident throughout.
//  - lru, lfu: the cache starts empty; an access to a resident expert hits; a miss loads the expert,
//    evicting when full the least recently used (lru) or the least often accessed so far, ties to the
//    least recently used (lfu). Counts are of accesses, misses included.
ResidencyTrace simulate_residency(ResidencyPolicy policy, int num_experts, int capacity,
                                  std::span<const double> weights, const std::vector<std::vector<int>>& steps);

// `steps` sampled steps: expert k is activated in a step with probability 1 − exp(−mean_selections[k])
// (its selections Poisson-distributed), one uniform draw per expert per step, listed in ascending id.
std::vector<std::vector<int>> sample_activations(std::span<const double> mean_selections, int steps, Rng& rng);

// Fluid finish times (s from a common start) of flows of bytes[i]: each at most cap_Bps (its own PCIe
// link), together at most shared_Bps (the host bridge or host memory; <= 0: no shared limit), shared
// max-min fairly, so a flow's rate is min(cap, shared / active flows) until the next one finishes.
// A flow of 0 bytes finishes at 0. Contract: cap_Bps > 0.
std::vector<double> shared_link_finish_s(std::span<const double> bytes, double cap_Bps, double shared_Bps);

} // namespace moetwin::step
