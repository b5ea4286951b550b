// SPDX-License-Identifier: Apache-2.0
// The Boost.Graph type behind Topology. Include it only where graph algorithms are needed
// (builders, Graphviz export, bisection); boost/graph/adjacency_list.hpp costs ~2 s per TU.
#pragma once

#include "topologies/topology.hpp"

#include <boost/graph/adjacency_list.hpp>

namespace moetwin {

// One directed edge per physical link, from Link's `lower` to `upper` end; the reverse direction
// is the same edge traversed backwards (Hop::up == false in routing.hpp).
using TopologyGraphBase = boost::adjacency_list<boost::vecS, boost::vecS, boost::bidirectionalS, Device, Link>;

struct TopologyGraph : TopologyGraphBase {
    using TopologyGraphBase::TopologyGraphBase;

    DeviceId add_device(Device d) { return DeviceId(boost::add_vertex(std::move(d), *this)); }
    LinkId add_link(DeviceId lower, DeviceId upper, Link l) {
        l.id = int(num_links_++);
        boost::add_edge(lower, upper, l, *this);
        return LinkId(l.id);
    }

  private:
    std::size_t num_links_ = 0;
};

} // namespace moetwin
