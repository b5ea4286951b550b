// SPDX-License-Identifier: Apache-2.0
// FlowSet: the flows of one communication phase, each with its route, as plain data shared by the
// fluid solver and the SimGrid backends. Ranks index the phase's GPUs; `gpu_of_rank` maps them to
// topology GPUs.
#pragma once

#include "topologies/route_table.hpp"
#include "topologies/routing.hpp"

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace moetwin {

struct Flow {
    double bytes            = 0;
    int src                 = 0;              // rank that sends (the route starts at its GPU)
    int dst                 = 0;              // rank that receives
    std::uint32_t hop_begin = 0, hop_end = 0; // route: FlowSet::route_of()
    int after = -1;         // pipelined relay: this flow cannot finish before the stage-0 traffic into rank
                            // `after` (its forwarder) has landed, plus one chunk (DeepEP forwards in chunks)
    std::uint8_t stage = 0; // 0: first hop of the pattern, 1: forwarded
    RoutePolicy policy = RoutePolicy::NvlinkFirst; // how the route was chosen (SimGrid picks hosts by it)
    // Messages the flow carries, for the fluid model's per-message costs (0: none): low-latency
    // flows, one per selection; normal-mode RDMA flows, one per RDMA chunk (FluidOptions).
    std::uint16_t messages = 0;
    // Low-latency dispatch over NVLink and RDMA (v1_2025_06_nvlink): an RDMA flow its sender can
    // post only once its NVLink stores have gone out (FluidOptions::rdma_after_nvlink).
    bool after_sender_nvlink = false;
};

struct FlowSet {
    std::vector<int> gpu_of_rank; // rank -> topology GPU index
    std::vector<Flow> flows;
    // Routes: flows added through a Router copy theirs into `hops`; flows added through a
    // RouteTable index its store (`shared_hops`) instead. One set uses one of the two.
    std::vector<Hop> hops;
    std::shared_ptr<const std::vector<Hop>> shared_hops;

    int num_ranks() const { return int(gpu_of_rank.size()); }
    std::span<const Hop> route_of(const Flow& f) const {
        const Hop* base = shared_hops ? shared_hops->data() : hops.data();
        return {base + f.hop_begin, std::size_t(f.hop_end - f.hop_begin)};
    }
    // Appends a flow src -> dst along router's route between their GPUs. Zero-byte flows are dropped.
    void add(const Router& router, RoutePolicy policy, int src, int dst, double bytes, int stage = 0, int after = -1);
    // The same through a RouteTable: the flow indexes the table's store (no copy). The table must
    // be the same for every flow of the set.
    void add(RouteTable& routes, RoutePolicy policy, int src, int dst, double bytes, int stage = 0, int after = -1);
    double total_bytes() const;
};

// Identity mapping: ranks 0..n-1 on topology GPUs 0..n-1.
std::vector<int> first_gpus(int n);

} // namespace moetwin
