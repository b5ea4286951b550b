// SPDX-License-Identifier: Apache-2.0
// TopologyZone::get_local_route(): Router hops -> SimGrid link implementations.
#include "sim/network/topology_zone.hpp"

#include "common/errors.hpp"

#include <simgrid/kernel/routing/NetPoint.hpp>
#include <simgrid/s4u/Link.hpp>

namespace moetwin::detail {

TopologyZone::TopologyZone(const std::string& name, const Router& router) : NetZoneImpl(name), router_(router) {}

void TopologyZone::get_local_route(const simgrid::kernel::routing::NetPoint* src,
                                   const simgrid::kernel::routing::NetPoint* dst, simgrid::kernel::routing::Route* into,
                                   double* latency) {
    MOETWIN_ASSERT(src->id() < gpu_of_netpoint.size() && dst->id() < gpu_of_netpoint.size(),
                   "route endpoints must be GPU hosts of this zone");
    scratch_.clear();
    const bool rdma = src->id() >= num_gpu_hosts && dst->id() >= num_gpu_hosts;
    router_.append(gpu_of_netpoint[src->id()], gpu_of_netpoint[dst->id()],
                   rdma ? RoutePolicy::RdmaOnly : RoutePolicy::NvlinkFirst, scratch_);
    for (const Hop& h : scratch_) {
        into->link_list_.push_back((h.up ? link_up : link_down)[h.link]->get_impl());
        if (latency) *latency += link_latency_s[h.link];
    }
}

} // namespace moetwin::detail
