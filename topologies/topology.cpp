// SPDX-License-Identifier: Apache-2.0
// Topology: flat lookups over the Boost graph, counts, and structural validation.
#include "topologies/topology.hpp"

#include "common/errors.hpp"
#include "topologies/topology_graph.hpp"

#include <algorithm>
#include <ostream>

namespace moetwin {

std::string_view to_string(DeviceKind kind) {
    switch (kind) {
    case DeviceKind::Gpu:
        return "gpu";
    case DeviceKind::NvSwitch:
        return "nvswitch";
    case DeviceKind::Nic:
        return "nic";
    case DeviceKind::LeafSwitch:
        return "leaf";
    case DeviceKind::SpineSwitch:
        return "spine";
    }
    return "?";
}

std::string_view to_string(LinkKind kind) {
    switch (kind) {
    case LinkKind::NvLink:
        return "nvlink";
    case LinkKind::Pcie:
        return "pcie";
    case LinkKind::IbAccess:
        return "ib_access";
    case LinkKind::IbTrunk:
        return "ib_trunk";
    case LinkKind::HostBridge:
        return "host_bridge";
    }
    return "?";
}

Topology::Topology(const ClusterSpec& spec, TopologyGraph&& graph)
    : spec_(spec), graph_(std::make_unique<TopologyGraph>(std::move(graph))) {
    const TopologyGraph& g = *graph_;
    devices_.resize(boost::num_vertices(g));
    for (auto v : boost::make_iterator_range(boost::vertices(g)))
        devices_[v] = &g[v];
    links_.resize(boost::num_edges(g));
    ends_.resize(boost::num_edges(g));
    for (auto e : boost::make_iterator_range(boost::edges(g))) {
        const Link& l = g[e];
        MOETWIN_ASSERT(l.id >= 0 && std::size_t(l.id) < links_.size() && !links_[l.id], "link ids must be dense");
        links_[l.id] = &l;
        ends_[l.id]  = {DeviceId(boost::source(e, g)), DeviceId(boost::target(e, g))};
    }
    int max_gpu = -1;
    for (const Device* d : devices_)
        if (d->kind == DeviceKind::Gpu) max_gpu = std::max(max_gpu, d->index);
    gpus_.assign(std::size_t(max_gpu + 1), DeviceId(-1));
    for (DeviceId v = 0; v < devices_.size(); ++v) {
        const Device& d = *devices_[v];
        if (d.kind == DeviceKind::Gpu) gpus_[std::size_t(d.index)] = v;
        if (d.plane >= 0) num_planes_ = std::max(num_planes_, d.plane + 1);
    }
    validate();
}

Topology::Topology(Topology&&) noexcept            = default;
Topology& Topology::operator=(Topology&&) noexcept = default;
Topology::~Topology()                              = default;

TopologyCounts Topology::counts() const {
    TopologyCounts c;
    for (const Device* d : devices_) {
        switch (d->kind) {
        case DeviceKind::Gpu:
            ++c.gpus;
            break;
        case DeviceKind::NvSwitch:
            ++c.nvswitches;
            break;
        case DeviceKind::Nic:
            ++c.nics;
            break;
        case DeviceKind::LeafSwitch:
            ++c.leaf_switches;
            break;
        case DeviceKind::SpineSwitch:
            ++c.spine_switches;
            break;
        }
    }
    for (const Link* l : links_) {
        switch (l->kind) {
        case LinkKind::NvLink:
            ++c.nvlinks;
            break;
        case LinkKind::Pcie:
            ++c.pcie_links;
            break;
        case LinkKind::IbAccess:
            ++c.ib_access_links;
            break;
        case LinkKind::IbTrunk:
            ++c.ib_trunk_links;
            break;
        case LinkKind::HostBridge:
            ++c.host_bridge_links;
            break;
        }
    }
    return c;
}

void Topology::validate() const {
    auto fail = [](const std::string& what) { throw ConfigError("topology: " + what); };
    if (gpus_.empty()) fail("no GPU");
    for (std::size_t i = 0; i < gpus_.size(); ++i)
        if (gpus_[i] == DeviceId(-1)) fail("GPU index " + std::to_string(i) + " is missing");
    for (LinkId id = 0; id < links_.size(); ++id) {
        const Link& l           = *links_[id];
        const Device& a         = *devices_[ends_[id].lower];
        const Device& b         = *devices_[ends_[id].upper];
        const std::string where = "link " + std::to_string(id) + " (" + a.name + " -> " + b.name + ")";
        if (!(l.bandwidth_Bps > 0)) fail(where + ": bandwidth must be > 0");
        if (!(l.latency_s >= 0)) fail(where + ": latency must be >= 0");
        bool ok = false;
        switch (l.kind) {
        case LinkKind::NvLink:
            ok = a.kind == DeviceKind::Gpu && b.kind == DeviceKind::NvSwitch;
            break;
        case LinkKind::Pcie:
            ok = a.kind == DeviceKind::Gpu && b.kind == DeviceKind::Nic;
            break;
        case LinkKind::IbAccess:
            ok = a.kind == DeviceKind::Nic && b.kind == DeviceKind::LeafSwitch;
            break;
        case LinkKind::IbTrunk:
            ok = a.kind == DeviceKind::LeafSwitch && b.kind == DeviceKind::SpineSwitch;
            break;
        case LinkKind::HostBridge:
            ok = a.kind == DeviceKind::NvSwitch && b.kind == DeviceKind::NvSwitch && a.node == b.node;
            break;
        }
        if (!ok)
            fail(where + ": a " + std::string(to_string(l.kind)) + " link cannot join a " +
                 std::string(to_string(a.kind)) + " to a " + std::string(to_string(b.kind)));
        if ((l.kind == LinkKind::IbAccess || l.kind == LinkKind::IbTrunk) && a.plane != b.plane)
            fail(where + ": joins planes " + std::to_string(a.plane) + " and " + std::to_string(b.plane));
    }
}

std::ostream& operator<<(std::ostream& out, const TopologyCounts& c) {
    out << "devices: " << c.gpus << " GPUs, " << c.nvswitches << " NVSwitch domains, " << c.nics << " NICs, "
        << c.switches() << " IB switches (" << c.leaf_switches << " leaf + " << c.spine_switches << " spine)\n";
    out << "links:   " << c.nvlinks << " NVLink, " << c.pcie_links << " PCIe, " << c.ib_access_links << " IB NIC-leaf, "
        << c.ib_trunk_links << " IB leaf-spine (switch-switch), " << c.host_bridge_links
        << " host bridge (inter-socket)\n";
    return out;
}

} // namespace moetwin
