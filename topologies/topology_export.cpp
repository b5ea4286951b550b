// SPDX-License-Identifier: Apache-2.0
// write_dot() and write_json().
#include "topologies/topology_export.hpp"

#include "topologies/topology_graph.hpp"

#include <boost/graph/graphviz.hpp>

#include <ostream>
#include <string>

namespace moetwin {
namespace {

const char* shape(DeviceKind k) {
    switch (k) {
    case DeviceKind::Gpu:
        return "box";
    case DeviceKind::NvSwitch:
        return "hexagon";
    case DeviceKind::Nic:
        return "ellipse";
    case DeviceKind::LeafSwitch:
        return "diamond";
    case DeviceKind::SpineSwitch:
        return "octagon";
    }
    return "box";
}

} // namespace

void write_dot(const Topology& topo, std::ostream& out) {
    const TopologyGraph& g = topo.graph();
    auto vertex_writer     = [&g](std::ostream& os, auto v) {
        const Device& d = g[v];
        os << "[label=\"" << d.name << "\", shape=" << shape(d.kind) << ", kind=" << to_string(d.kind) << "]";
    };
    auto edge_writer = [&g](std::ostream& os, auto e) {
        const Link& l = g[e];
        os << "[label=\"" << to_string(l.kind) << " " << l.bandwidth_Bps / 1e9 << " GB/s\", id=" << l.id << "]";
    };
    auto graph_writer = [&topo](std::ostream& os) {
        const int bridges = topo.counts().host_bridge_links;
        os << "graph [label=\"" << to_string(topo.spec().fabric) << ": " << topo.num_gpus() << " GPUs"
           << (bridges > 0 ? ", " + std::to_string(bridges) + " host bridge(s)" : std::string()) << "\"];\n";
    };
    boost::write_graphviz(out, g, vertex_writer, edge_writer, graph_writer);
}

void write_json(const Topology& topo, std::ostream& out) {
    const ClusterSpec& s   = topo.spec();
    const TopologyCounts c = topo.counts();
    out << "{\n  \"fabric\": \"" << to_string(s.fabric) << "\",\n  \"num_nodes\": " << s.num_nodes
        << ",\n  \"gpus_per_node\": " << s.gpus_per_node << ",\n  \"num_planes\": " << topo.num_planes()
        << ",\n  \"counts\": {\"gpus\": " << c.gpus << ", \"nvswitches\": " << c.nvswitches << ", \"nics\": " << c.nics
        << ", \"leaf_switches\": " << c.leaf_switches << ", \"spine_switches\": " << c.spine_switches
        << ", \"nvlinks\": " << c.nvlinks << ", \"pcie_links\": " << c.pcie_links
        << ", \"ib_access_links\": " << c.ib_access_links << ", \"ib_trunk_links\": " << c.ib_trunk_links
        << ", \"host_bridge_links\": " << c.host_bridge_links << "},\n";
    out << "  \"devices\": [";
    for (DeviceId v = 0; v < topo.num_devices(); ++v) {
        const Device& d = topo.device(v);
        out << (v ? ",\n    " : "\n    ") << "{\"id\": " << v << ", \"kind\": \"" << to_string(d.kind)
            << "\", \"name\": \"" << d.name << "\", \"node\": " << d.node << ", \"local_rank\": " << d.local_rank
            << ", \"plane\": " << d.plane << ", \"index\": " << d.index << "}";
    }
    out << "\n  ],\n  \"links\": [";
    for (LinkId id = 0; id < topo.num_links(); ++id) {
        const Link& l = topo.link(id);
        out << (id ? ",\n    " : "\n    ") << "{\"id\": " << id << ", \"kind\": \"" << to_string(l.kind)
            << "\", \"lower\": " << topo.ends(id).lower << ", \"upper\": " << topo.ends(id).upper
            << ", \"plane\": " << l.plane << ", \"bandwidth_GBps\": " << l.bandwidth_Bps / 1e9
            << ", \"latency_us\": " << l.latency_s * 1e6 << "}";
    }
    out << "\n  ]\n}\n";
}

} // namespace moetwin
