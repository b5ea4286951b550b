// SPDX-License-Identifier: Apache-2.0
// Internal to sim/network: a SimGrid NetZone whose routes come from moetwin's Router instead of
// a stored table. A FullZone would need N^2 routes (268 M at 16,384 GPUs) and SimGrid's
// hierarchical zones have one gateway per zone, which cannot express one NIC per GPU on eight
// planes. This zone stores nothing per pair: get_local_route() asks the Router (O(route length)).
// Uses SimGrid 3.32's installed kernel routing API (simgrid/kernel/routing/NetZoneImpl.hpp).
#pragma once

#include "topologies/routing.hpp"

#include <simgrid/kernel/routing/NetZoneImpl.hpp>

#include <vector>

namespace moetwin::detail {

class TopologyZone : public simgrid::kernel::routing::NetZoneImpl {
  public:
    TopologyZone(const std::string& name, const Router& router);

    // Filled by build_platform(): netpoint id -> GPU index, and the two directions of every link.
    std::vector<int> gpu_of_netpoint;
    std::size_t num_gpu_hosts = 0; // netpoints [0, n) are GPU hosts, [n, 2n) their ".rdma" aliases
    std::vector<simgrid::s4u::Link*> link_up, link_down; // by LinkId
    std::vector<double> link_latency_s;                  // by LinkId

    void get_local_route(const simgrid::kernel::routing::NetPoint* src, const simgrid::kernel::routing::NetPoint* dst,
                         simgrid::kernel::routing::Route* into, double* latency) override;

  private:
    const Router& router_;
    std::vector<Hop> scratch_;
};

} // namespace moetwin::detail
