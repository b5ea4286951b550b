// SPDX-License-Identifier: Apache-2.0
// build_cluster(): nodes (GPUs, NVSwitch, NICs) first, then the scale-out fabric chosen by the spec.
#include "topologies/cluster_builder.hpp"

#include "common/errors.hpp"
#include "topologies/ib_fabric.hpp"

#include <string>

namespace moetwin {
namespace {

std::string str(int v) {
    return std::to_string(v);
}

struct Nodes {
    std::vector<DeviceId> gpus; // by global GPU index
    std::vector<DeviceId> nics; // by global NIC index (== GPU index: one NIC per GPU)
};

Nodes add_nodes(TopologyGraph& g, const ClusterSpec& s) {
    const bool with_nics = s.fabric != FabricKind::SingleNode;
    const bool pcie_box  = s.host_bridge.bandwidth_Bps > 0; // two sockets, no NVSwitch (cluster_spec.hpp)
    const int on_socket0 = (s.gpus_per_node + 1) / 2;
    Nodes n;
    for (int node = 0; node < s.num_nodes; ++node) {
        const std::string np = "n" + str(node);
        const DeviceId nvs   = g.add_device({DeviceKind::NvSwitch, np + (pcie_box ? ".socket0" : ".nvswitch"), node, -1,
                                             -1, pcie_box ? 2 * node : node});
        DeviceId socket1     = nvs;
        if (pcie_box) {
            socket1 = g.add_device({DeviceKind::NvSwitch, np + ".socket1", node, -1, -1, 2 * node + 1});
            g.add_link(nvs, socket1, {LinkKind::HostBridge, s.host_bridge.bandwidth_Bps, s.host_bridge.latency_s, -1});
        }
        for (int r = 0; r < s.gpus_per_node; ++r) {
            const int index    = node * s.gpus_per_node + r;
            const DeviceId gpu = g.add_device({DeviceKind::Gpu, np + ".gpu" + str(r), node, r, -1, index});
            n.gpus.push_back(gpu);
            g.add_link(gpu, r < on_socket0 ? nvs : socket1,
                       {LinkKind::NvLink, s.nvlink.bandwidth_Bps, s.nvlink.latency_s / 2, -1});
            if (!with_nics) continue;
            const int plane = s.fabric == FabricKind::MultiPlane ? r % s.ib_planes : 0;
            const DeviceId nic =
                g.add_device({DeviceKind::Nic, "n" + str(node) + ".nic" + str(r), node, r, plane, index});
            n.nics.push_back(nic);
            g.add_link(gpu, nic, {LinkKind::Pcie, s.pcie.bandwidth_Bps, s.pcie.latency_s, -1});
        }
    }
    return n;
}

} // namespace

int fat_tree_plane_capacity(int switch_ports) {
    return switch_ports * (switch_ports / 2);
}

std::optional<ClusterSpecIssue> check_cluster_spec(const ClusterSpec& s) {
    using Issue = ClusterSpecIssue;
    if (s.num_nodes < 1) return Issue{"num_nodes", "must be >= 1, got " + str(s.num_nodes)};
    if (s.gpus_per_node < 1) return Issue{"gpus_per_node", "must be >= 1, got " + str(s.gpus_per_node)};
    if (s.fabric == FabricKind::SingleNode && s.num_nodes != 1)
        return Issue{"num_nodes", str(s.num_nodes) + " nodes need a scale-out fabric, not single_node"};
    if (s.fabric == FabricKind::Nvl72 && s.gpus_per_node > 72)
        return Issue{"gpus_per_node", "an NVL72 scale-up domain holds at most 72 GPUs, got " + str(s.gpus_per_node)};
    if (s.fabric != FabricKind::SingleNode && s.nics_per_node != s.gpus_per_node)
        return Issue{"nics_per_node", "one NIC per GPU is modelled: nics_per_node (" + str(s.nics_per_node) +
                                          ") must equal gpus_per_node (" + str(s.gpus_per_node) + ")"};
    if (!(s.nvlink.bandwidth_Bps > 0)) return Issue{"nvlink.bandwidth_GBps", "must be > 0"};
    if (!(s.host_bridge.bandwidth_Bps >= 0)) return Issue{"host_bridge.bandwidth_GBps", "must be >= 0"};
    if (s.host_bridge.bandwidth_Bps > 0 && s.fabric != FabricKind::SingleNode)
        return Issue{"host_bridge", "a host bridge (PCIe box without NVLink) needs fabric single_node"};
    if (!(s.pcie.bandwidth_Bps > 0)) return Issue{"pcie.bandwidth_GBps", "must be > 0"};
    if (!(s.ib_bandwidth_Bps > 0)) return Issue{"ib.bandwidth_GBps", "must be > 0"};
    if (s.ib_latency_cross_leaf_s < s.ib_latency_same_leaf_s)
        return Issue{"ib.latency_cross_leaf_us", "must be >= latency_same_leaf_us"};
    if (s.ib_latency_same_leaf_s < 2 * s.pcie.latency_s)
        return Issue{"ib.latency_same_leaf_us", "must cover two PCIe hops (2 × pcie.latency_us)"};
    if (s.switch_ports < 4 || s.switch_ports % 2 != 0)
        return Issue{"ib.switch_ports", "must be even (half down, half up) and >= 4, got " + str(s.switch_ports)};
    // MPFT: NIC rank r of every node on plane r % planes (ISCA'25 §5.1: one plane per NIC rank, the
    // default). Fewer planes share them out; a count that does not divide the NICs would give planes
    // unequal endpoint counts, which the capacity rule below does not model.
    if (s.fabric == FabricKind::MultiPlane &&
        (s.ib_planes < 1 || s.ib_planes > s.nics_per_node || s.nics_per_node % s.ib_planes != 0))
        return Issue{"ib.planes",
                     str(s.ib_planes) + " planes must divide nics_per_node (" + str(s.nics_per_node) +
                         "): NIC rank r of every node is on plane r % planes (default: one plane per NIC)"};
    const int cap        = fat_tree_plane_capacity(s.switch_ports);
    const int planes     = s.fabric == FabricKind::MultiPlane ? s.ib_planes : 1;
    const long endpoints = long(s.num_nodes) * s.nics_per_node;
    if (s.fabric != FabricKind::SingleNode && endpoints > long(cap) * planes)
        return Issue{"num_nodes", str(int(endpoints)) + " NICs exceed the " + str(cap * planes) + " endpoints of " +
                                      str(planes) + " two-tier plane(s) of " + str(s.switch_ports) + "-port switches"};
    return std::nullopt;
}

void validate_cluster_spec(const ClusterSpec& s) {
    if (auto issue = check_cluster_spec(s)) throw ConfigError("cluster." + issue->key + ": " + issue->what);
}

Topology build_cluster(const ClusterSpec& s) {
    validate_cluster_spec(s);
    TopologyGraph g;
    const Nodes nodes = add_nodes(g, s);
    detail::LeafSpineParams p;
    p.bandwidth_Bps    = s.ib_bandwidth_Bps;
    p.access_latency_s = (s.ib_latency_same_leaf_s - 2 * s.pcie.latency_s) / 2;
    p.trunk_latency_s  = (s.ib_latency_cross_leaf_s - s.ib_latency_same_leaf_s) / 2;
    p.switch_ports     = s.switch_ports;
    const int down     = s.switch_ports / 2;

    switch (s.fabric) {
    case FabricKind::SingleNode:
        break;
    case FabricKind::FatTree2:
    case FabricKind::Nvl72:
        detail::add_leaf_spine_plane(g, detail::consecutive_groups(nodes.nics, down), 0, p);
        break;
    case FabricKind::MultiPlane:
        for (int plane = 0; plane < s.ib_planes; ++plane) {
            std::vector<DeviceId> nics;
            for (int node = 0; node < s.num_nodes; ++node)
                for (int r = plane; r < s.nics_per_node; r += s.ib_planes)
                    nics.push_back(nodes.nics[std::size_t(node * s.nics_per_node + r)]);
            detail::add_leaf_spine_plane(g, detail::consecutive_groups(nics, down), plane, p);
        }
        break;
    case FabricKind::RailOptimized: {
        // Leaf (unit u, rail k) holds NIC k of the `down` nodes of scalable unit u.
        std::vector<std::vector<DeviceId>> groups;
        for (int unit = 0; unit * down < s.num_nodes; ++unit)
            for (int rail = 0; rail < s.nics_per_node; ++rail) {
                std::vector<DeviceId> group;
                for (int node = unit * down; node < std::min(s.num_nodes, (unit + 1) * down); ++node)
                    group.push_back(nodes.nics[std::size_t(node * s.nics_per_node + rail)]);
                groups.push_back(std::move(group));
            }
        detail::add_leaf_spine_plane(g, groups, 0, p);
        break;
    }
    }
    return Topology(s, std::move(g));
}

} // namespace moetwin
