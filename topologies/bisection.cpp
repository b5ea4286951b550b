// SPDX-License-Identifier: Apache-2.0
// bisection_bandwidth_Bps(): boost::push_relabel_max_flow on a copy of the graph, each link as two
// directed arcs, each arc with its own zero-capacity residual partner.
#include "topologies/bisection.hpp"

#include "topologies/topology_graph.hpp"

#include <boost/graph/push_relabel_max_flow.hpp>

#include <cmath>
#include <cstdint>

namespace moetwin {
namespace {

using Traits    = boost::adjacency_list_traits<boost::vecS, boost::vecS, boost::directedS>;
using FlowGraph = boost::adjacency_list<
    boost::vecS, boost::vecS, boost::directedS, boost::no_property,
    boost::property<boost::edge_capacity_t, std::int64_t,
                    boost::property<boost::edge_residual_capacity_t, std::int64_t,
                                    boost::property<boost::edge_reverse_t, Traits::edge_descriptor>>>>;

constexpr double kUnit_Bps = 1e6; // capacities in MB/s keep push-relabel in exact integers

// One directed arc a -> b of capacity `cap`, with its own residual arc b -> a of capacity 0. Boost's
// push-relabel requires exactly this pairing: its is_flow() check (asserted in builds without NDEBUG)
// counts flow into a vertex only through zero-capacity reverse arcs, so two antiparallel arcs that both
// carry capacity and serve as each other's reverse break flow conservation (issue 15 defect 15).
void add_arc(FlowGraph& g, std::size_t a, std::size_t b, std::int64_t cap_ab) {
    auto cap      = boost::get(boost::edge_capacity, g);
    auto rev      = boost::get(boost::edge_reverse, g);
    const auto ab = boost::add_edge(a, b, g).first;
    const auto ba = boost::add_edge(b, a, g).first;
    cap[ab]       = cap_ab;
    cap[ba]       = 0;
    rev[ab]       = ba;
    rev[ba]       = ab;
}

} // namespace

double bisection_bandwidth_Bps(const Topology& topo) {
    const std::size_t n = topo.num_devices();
    FlowGraph g(n + 2);
    const std::size_t source = n, sink = n + 1;
    std::int64_t total = 0;
    for (LinkId id = 0; id < topo.num_links(); ++id) {
        const auto c = std::int64_t(std::llround(topo.link(id).bandwidth_Bps / kUnit_Bps));
        add_arc(g, topo.ends(id).lower, topo.ends(id).upper, c); // a full-duplex link: one arc each way
        add_arc(g, topo.ends(id).upper, topo.ends(id).lower, c);
        total += 2 * c;
    }
    const int half = topo.num_gpus() / 2;
    if (half == 0) return 0;
    for (int i = 0; i < topo.num_gpus(); ++i) {
        if (i < half)
            add_arc(g, source, topo.gpu(i), total);
        else
            add_arc(g, topo.gpu(i), sink, total);
    }
    const std::int64_t flow = boost::push_relabel_max_flow(g, source, sink);
    return double(flow) * kUnit_Bps;
}

} // namespace moetwin
