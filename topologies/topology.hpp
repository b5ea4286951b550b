// SPDX-License-Identifier: Apache-2.0
// Topology: the cluster as a graph of devices (GPUs, NVSwitches, NICs, IB switches) and physical
// links, stored in a Boost.Graph adjacency_list with bundled Device and Link properties.
// This header keeps Boost out of its includers: the graph type lives in topology_graph.hpp.
#pragma once

#include "topologies/cluster_spec.hpp"

#include <cstdint>
#include <iosfwd>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace moetwin {

enum class DeviceKind : std::uint8_t { Gpu, NvSwitch, Nic, LeafSwitch, SpineSwitch };
enum class LinkKind : std::uint8_t {
    NvLink,     // GPU <-> NVSwitch port (one per GPU; a GPU->GPU transfer crosses two)
    Pcie,       // GPU <-> its NIC
    IbAccess,   // NIC <-> leaf switch
    IbTrunk,    // leaf switch <-> spine switch
    HostBridge, // a PCIe box's socket root complex <-> the other socket's (inter-socket link, cluster_spec.hpp)
};
std::string_view to_string(DeviceKind kind);
std::string_view to_string(LinkKind kind);

struct Device {
    DeviceKind kind = DeviceKind::Gpu;
    std::string name;
    int node       = -1; // GPUs, NICs, NVSwitches: the node (scale-up domain) they sit in
    int local_rank = -1; // GPUs and NICs: index inside the node
    int plane      = -1; // NICs and IB switches: the fabric plane (0 when the fabric has one plane)
    int index      = -1; // GPUs and NICs: global index (node * per_node + local_rank); switches: index in plane
};

// A full-duplex physical link. Bandwidth and latency are per direction. "Up" is the direction
// from `lower` to `upper` (towards the core: GPU->NVSwitch, GPU->NIC, NIC->leaf, leaf->spine).
struct Link {
    LinkKind kind        = LinkKind::NvLink;
    double bandwidth_Bps = 0;
    double latency_s     = 0;
    int plane            = -1; // IB links: the fabric plane
    int id               = -1; // dense LinkId, assigned by the builder in insertion order
};

using DeviceId = std::uint32_t;
using LinkId   = std::uint32_t;

struct LinkEnds {
    DeviceId lower = 0;
    DeviceId upper = 0;
};

struct TopologyGraph; // topology_graph.hpp: boost::adjacency_list<vecS, vecS, bidirectionalS, Device, Link>

// Counts per kind; ISCA'25 Table 3 counts "switches" (leaf + spine) and "links" (switch-switch).
struct TopologyCounts {
    int gpus = 0, nvswitches = 0, nics = 0, leaf_switches = 0, spine_switches = 0;
    int nvlinks = 0, pcie_links = 0, ib_access_links = 0, ib_trunk_links = 0, host_bridge_links = 0;
    int switches() const { return leaf_switches + spine_switches; }
};

class Topology {
  public:
    // Takes ownership of a graph built by one of the builders (cluster_builder.hpp); validates it.
    Topology(const ClusterSpec& spec, TopologyGraph&& graph);
    Topology(Topology&&) noexcept;
    Topology& operator=(Topology&&) noexcept;
    ~Topology();

    const ClusterSpec& spec() const { return spec_; }
    const TopologyGraph& graph() const { return *graph_; }

    std::size_t num_devices() const { return devices_.size(); }
    std::size_t num_links() const { return links_.size(); }
    const Device& device(DeviceId id) const { return *devices_[id]; }
    const Link& link(LinkId id) const { return *links_[id]; }
    LinkEnds ends(LinkId id) const { return ends_[id]; }

    int num_gpus() const { return int(gpus_.size()); }
    DeviceId gpu(int index) const { return gpus_[std::size_t(index)]; }
    std::span<const DeviceId> gpus() const { return gpus_; }
    int num_planes() const { return num_planes_; }
    TopologyCounts counts() const;

    // Throws ConfigError naming the offending device or link.
    void validate() const;

  private:
    ClusterSpec spec_;
    std::unique_ptr<TopologyGraph> graph_;
    std::vector<const Device*> devices_; // views into graph_ bundles (stable: the graph is never mutated)
    std::vector<const Link*> links_;     // by LinkId
    std::vector<LinkEnds> ends_;         // by LinkId
    std::vector<DeviceId> gpus_;         // by GPU index
    int num_planes_ = 0;
};

// One line per kind count, bandwidth and latency; used by `moetwin topo`.
std::ostream& operator<<(std::ostream& out, const TopologyCounts& c);

} // namespace moetwin
