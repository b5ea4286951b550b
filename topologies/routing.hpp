// SPDX-License-Identifier: Apache-2.0
// Routing over a Topology: deterministic ECMP on the leaf-spine planes, NVLink inside a node,
// in-node forwarding between planes (the structural fast path, for the fabrics cluster_builder.hpp
// builds), and a graph search for any other valid graph, so a new fabric needs no routing code.
// Pure functions of the graph; no SimGrid.
#pragma once

#include "topologies/topology.hpp"

#include <cstdint>
#include <vector>

namespace moetwin {

// One link traversed in one direction; up == true goes from the link's `lower` to its `upper` end.
struct Hop {
    LinkId link                       = 0;
    bool up                           = true;
    bool operator==(const Hop&) const = default;
};

struct Route {
    std::vector<Hop> hops; // in traversal order; empty for src == dst
    int hop_count() const { return int(hops.size()); }
};

enum class RoutePolicy : std::uint8_t {
    NvlinkFirst, // GPUs of one scale-up domain talk over NVLink; others over the NICs
    RdmaOnly,    // always through the NICs, even inside a node (DeepEP low-latency kernels before PR #173),
                 // except where the fabric cannot (one node without NICs, or MPFT planes: NVLink forwarding)
};

enum class EcmpPolicy : std::uint8_t {
    DestinationModK, // spine = destination's leaf port mod #spines: contention-free downlinks, as InfiniBand's
                     // fat-tree routing engines assign destination LIDs (deterministic, destination-based)
    PairHash,        // spine = hash(src, dst) mod #spines: per-flow ECMP hashing as on Ethernet (collisions)
};

struct RouterOptions {
    EcmpPolicy ecmp = EcmpPolicy::DestinationModK;
};

// Precomputes per-GPU attachments (NVLink port, PCIe, NIC, leaf, leaf port) and per-leaf trunk
// tables from the graph in O(V + E); route() is then O(route length) and allocation-free via append().
// A graph whose shape the structural path does not know (a GPU without an NVLink port, a GPU
// without a NIC beside GPUs with one, a node missing a plane) is routed by search_route() instead:
// every route is then a graph search, which RouteTable caches per pair.
// Contract: every ordered GPU pair of a built Topology is routable; the route is a walk in the graph.
class Router {
  public:
    explicit Router(const Topology& topo, RouterOptions options = {});

    Route route(int src_gpu, int dst_gpu, RoutePolicy policy = RoutePolicy::NvlinkFirst) const;
    void append(int src_gpu, int dst_gpu, RoutePolicy policy, std::vector<Hop>& out) const;

    // The graph-search route (BFS over the links in both directions): fewest hops, then the largest
    // bottleneck bandwidth, then the first found in LinkId order (deterministic). RdmaOnly searches
    // without NVLink links first and takes them only where no such path exists (as the structural
    // path does). Throws ConfigError when dst cannot be reached. O(V + E) per call.
    void search_route(int src_gpu, int dst_gpu, RoutePolicy policy, std::vector<Hop>& out) const;
    // True when route() takes the structural fast path; false when it searches the graph.
    bool structural() const { return structural_; }

    const Topology& topology() const { return *topo_; }
    int node_of(int gpu) const { return gpus_[std::size_t(gpu)].node; }
    int plane_of(int gpu) const { return gpus_[std::size_t(gpu)].plane; }
    bool has_scale_out() const { return has_nics_; }

  private:
    struct GpuPorts {
        int node = -1, plane = -1, leaf = -1, leaf_port = -1; // leaf: dense leaf index
        LinkId nvlink = LinkId(-1), pcie = LinkId(-1), access = LinkId(-1);
    };
    void append_scale_out(int src, int dst, std::vector<Hop>& out) const;
    void append_same_plane(int src, int dst, std::vector<Hop>& out) const;
    bool search(int src, int dst, bool allow_nvlink, std::vector<Hop>& out) const;

    struct Adjacent {
        LinkId link;
        DeviceId next;
        bool up; // traversed from the link's lower end to its upper end
    };

    const Topology* topo_;
    RouterOptions options_;
    bool has_nics_ = false;
    std::vector<GpuPorts> gpus_;
    std::vector<std::vector<LinkId>> leaf_trunks_; // [leaf][spine index] -> trunk link
    std::vector<int> node_plane_gpu_;              // [node * planes + plane] -> a GPU of that node on that plane
    int planes_      = 1;
    bool structural_ = true;
    std::vector<std::vector<Adjacent>> adjacent_; // [device] -> its links in LinkId order
};

// Sum of link latencies along the route.
double route_latency_s(const Topology& topo, const Route& route);
// Smallest link bandwidth along the route (0 for an empty route).
double route_bottleneck_Bps(const Topology& topo, const Route& route);
// True if consecutive hops share devices and the walk goes from `from` to `to`.
bool is_walk(const Topology& topo, DeviceId from, DeviceId to, const Route& route);

} // namespace moetwin
