// SPDX-License-Identifier: Apache-2.0
// FlowSet: the flows of one communication phase, each with its route, as plain data shared by the
// fluid solver and the SimGrid backends. Ranks index the phase's GPUs; `gpu_of_rank` maps them to
// topology GPUs.
#pragma once

#include "topologies/routing.hpp"

#include <cstdint>
#include <vector>

namespace moetwin {

struct Flow {
    int src                 = 0; // rank that sends (the route starts at its GPU)
    int dst                 = 0; // rank that receives
    double bytes            = 0;
    std::uint32_t hop_begin = 0, hop_end = 0; // route: FlowSet::hops[hop_begin, hop_end)
    int after = -1;         // pipelined relay: this flow cannot finish before the stage-0 traffic into rank
                            // `after` (its forwarder) has landed, plus one chunk (DeepEP forwards in chunks)
    int stage          = 0; // 0: first hop of the pattern, 1: forwarded
    RoutePolicy policy = RoutePolicy::NvlinkFirst; // how the route was chosen (SimGrid picks hosts by it)
};

struct FlowSet {
    std::vector<int> gpu_of_rank; // rank -> topology GPU index
    std::vector<Flow> flows;
    std::vector<Hop> hops;

    int num_ranks() const { return int(gpu_of_rank.size()); }
    // Appends a flow src -> dst along router's route between their GPUs. Zero-byte flows are dropped.
    void add(const Router& router, RoutePolicy policy, int src, int dst, double bytes, int stage = 0, int after = -1);
    double total_bytes() const;
};

// Identity mapping: ranks 0..n-1 on topology GPUs 0..n-1.
std::vector<int> first_gpus(int n);

} // namespace moetwin
