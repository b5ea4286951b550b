// SPDX-License-Identifier: Apache-2.0
// Router: structural routes on the graphs build_cluster() produces (see cluster_builder.hpp), and the
// graph-search fallback for any other graph.
#include "topologies/routing.hpp"

#include "common/errors.hpp"
#include "topologies/topology_graph.hpp"

#include <algorithm>
#include <deque>
#include <limits>
#include <string>

namespace moetwin {
namespace {

std::uint64_t mix(std::uint64_t x) { // splitmix64 finaliser: a fixed, portable ECMP hash
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

} // namespace

Router::Router(const Topology& topo, RouterOptions options) : topo_(&topo), options_(options) {
    const TopologyGraph& g = topo.graph();
    adjacent_.resize(topo.num_devices());
    for (LinkId id = 0; id < topo.num_links(); ++id) {
        const LinkEnds e = topo.ends(id);
        adjacent_[e.lower].push_back({id, e.upper, true});
        adjacent_[e.upper].push_back({id, e.lower, false});
    }
    gpus_.resize(std::size_t(topo.num_gpus()));
    std::vector<int> leaf_index(topo.num_devices(), -1);
    std::vector<int> ports_used;
    for (DeviceId v = 0; v < topo.num_devices(); ++v)
        if (topo.device(v).kind == DeviceKind::LeafSwitch) {
            leaf_index[v] = int(leaf_trunks_.size());
            leaf_trunks_.emplace_back();
            ports_used.push_back(0);
        }
    for (auto e : boost::make_iterator_range(boost::edges(g))) {
        const Link& l    = g[e];
        const Device& lo = g[boost::source(e, g)];
        const Device& hi = g[boost::target(e, g)];
        switch (l.kind) {
        case LinkKind::NvLink:
            gpus_[std::size_t(lo.index)].nvlink = LinkId(l.id);
            break;
        case LinkKind::Pcie:
            gpus_[std::size_t(lo.index)].pcie = LinkId(l.id);
            break;
        case LinkKind::IbAccess:
            break; // below, in LinkId order so leaf ports follow wiring order
        case LinkKind::IbTrunk: {
            auto& trunks = leaf_trunks_[std::size_t(leaf_index[boost::source(e, g)])];
            if (trunks.size() <= std::size_t(hi.index)) trunks.resize(std::size_t(hi.index) + 1, LinkId(-1));
            trunks[std::size_t(hi.index)] = LinkId(l.id);
            break;
        }
        case LinkKind::HostBridge:
            structural_ = false; // GPUs on two sockets: routes by search_route() (cached per pair by RouteTable)
            break;
        }
    }
    for (LinkId id = 0; id < topo.num_links(); ++id) {
        if (topo.link(id).kind != LinkKind::IbAccess) continue;
        const Device& nic = topo.device(topo.ends(id).lower);
        const int leaf    = leaf_index[topo.ends(id).upper];
        GpuPorts& p       = gpus_[std::size_t(nic.index)];
        p.access          = id;
        p.leaf            = leaf;
        p.plane           = nic.plane;
        p.leaf_port       = ports_used[std::size_t(leaf)]++;
        has_nics_         = true;
    }
    planes_ = std::max(1, topo.num_planes());
    node_plane_gpu_.assign(std::size_t(topo.spec().num_nodes * planes_), -1);
    for (int i = 0; i < topo.num_gpus(); ++i) {
        GpuPorts& p = gpus_[std::size_t(i)];
        p.node      = topo.device(topo.gpu(i)).node;
        // The structural path needs an NVLink port per GPU and, once the fabric has NICs, a NIC per GPU.
        if (p.nvlink == LinkId(-1) || (has_nics_ && p.access == LinkId(-1)) || p.node < 0 ||
            p.node >= topo.spec().num_nodes) {
            structural_ = false;
            continue;
        }
        int& slot = node_plane_gpu_[std::size_t(p.node * planes_ + std::max(0, p.plane))];
        if (slot < 0) slot = i;
    }
    // ... and, between planes, a GPU of every node on every plane (in-node forwarding).
    if (has_nics_ && planes_ > 1)
        for (int slot : node_plane_gpu_)
            if (slot < 0) structural_ = false;
}

Route Router::route(int src, int dst, RoutePolicy policy) const {
    Route r;
    append(src, dst, policy, r.hops);
    return r;
}

void Router::append(int src, int dst, RoutePolicy policy, std::vector<Hop>& out) const {
    MOETWIN_ASSERT(src >= 0 && dst >= 0 && src < int(gpus_.size()) && dst < int(gpus_.size()), "GPU out of range");
    if (src == dst) return;
    if (!structural_) return search_route(src, dst, policy, out);
    const GpuPorts& s      = gpus_[std::size_t(src)];
    const GpuPorts& d      = gpus_[std::size_t(dst)];
    const bool same_domain = s.node == d.node;
    if (same_domain && (policy == RoutePolicy::NvlinkFirst || !has_nics_ || s.plane != d.plane)) {
        out.push_back({s.nvlink, true});
        out.push_back({d.nvlink, false});
        return;
    }
    if (!has_nics_)
        throw ConfigError("no scale-out fabric between GPU " + std::to_string(src) + " and GPU " + std::to_string(dst));
    append_scale_out(src, dst, out);
}

void Router::append_scale_out(int src, int dst, std::vector<Hop>& out) const {
    const GpuPorts& s = gpus_[std::size_t(src)];
    const GpuPorts& d = gpus_[std::size_t(dst)];
    if (s.plane == d.plane) return append_same_plane(src, dst, out);
    // Planes meet only inside a node: forward over NVLink to the local GPU on the destination's
    // plane (NCCL's PXN; ISCA'25 §5.1), then cross the fabric on that plane.
    const int via = node_plane_gpu_[std::size_t(s.node * planes_ + d.plane)];
    MOETWIN_ASSERT(via >= 0, "every node has a GPU on every plane");
    out.push_back({s.nvlink, true});
    out.push_back({gpus_[std::size_t(via)].nvlink, false});
    append_same_plane(via, dst, out);
}

void Router::append_same_plane(int src, int dst, std::vector<Hop>& out) const {
    const GpuPorts& s = gpus_[std::size_t(src)];
    const GpuPorts& d = gpus_[std::size_t(dst)];
    out.push_back({s.pcie, true});
    out.push_back({s.access, true});
    if (s.leaf != d.leaf) {
        const auto& up_trunks    = leaf_trunks_[std::size_t(s.leaf)];
        const auto& down_trunks  = leaf_trunks_[std::size_t(d.leaf)];
        const std::size_t spines = std::min(up_trunks.size(), down_trunks.size());
        MOETWIN_ASSERT(spines > 0, "leaves of one plane share spines");
        const std::size_t spine = options_.ecmp == EcmpPolicy::DestinationModK
                                      ? std::size_t(d.leaf_port) % spines
                                      : std::size_t(mix((std::uint64_t(src) << 32) | std::uint32_t(dst)) % spines);
        out.push_back({up_trunks[spine], true});
        out.push_back({down_trunks[spine], false});
    }
    out.push_back({d.access, false});
    out.push_back({d.pcie, false});
}

void Router::search_route(int src, int dst, RoutePolicy policy, std::vector<Hop>& out) const {
    MOETWIN_ASSERT(src >= 0 && dst >= 0 && src < int(gpus_.size()) && dst < int(gpus_.size()), "GPU out of range");
    if (src == dst) return;
    if (policy == RoutePolicy::RdmaOnly && search(src, dst, false, out)) return;
    if (search(src, dst, true, out)) return;
    throw ConfigError("no path in the topology between GPU " + std::to_string(src) + " and GPU " + std::to_string(dst));
}

// Breadth-first from src: a device's hop count is final when it is first reached, and its best
// bottleneck among its shortest paths when it is dequeued (all its predecessors sit in the layer
// before it); a strictly larger bottleneck replaces the parent, so ties keep the first in LinkId order.
bool Router::search(int src, int dst, bool allow_nvlink, std::vector<Hop>& out) const {
    const Topology& t   = *topo_;
    const DeviceId from = t.gpu(src), to = t.gpu(dst);
    constexpr int kUnseen = -1;
    std::vector<int> hops(t.num_devices(), kUnseen);
    std::vector<double> bottleneck(t.num_devices(), 0);
    std::vector<Hop> parent(t.num_devices());
    std::deque<DeviceId> queue{from};
    hops[from]       = 0;
    bottleneck[from] = std::numeric_limits<double>::infinity();
    while (!queue.empty()) {
        const DeviceId at = queue.front();
        queue.pop_front();
        if (at == to) break;
        for (const Adjacent& a : adjacent_[at]) {
            const Link& l = t.link(a.link);
            if (!allow_nvlink && l.kind == LinkKind::NvLink) continue;
            const double b = std::min(bottleneck[at], l.bandwidth_Bps);
            if (hops[a.next] == kUnseen) {
                hops[a.next] = hops[at] + 1;
                queue.push_back(a.next);
            } else if (hops[a.next] != hops[at] + 1 || !(b > bottleneck[a.next])) {
                continue;
            }
            bottleneck[a.next] = b;
            parent[a.next]     = {a.link, a.up};
        }
    }
    if (hops[to] == kUnseen) return false;
    const std::size_t begin = out.size();
    for (DeviceId at = to; at != from;) {
        const Hop h = parent[at];
        out.push_back(h);
        at = h.up ? t.ends(h.link).lower : t.ends(h.link).upper;
    }
    std::reverse(out.begin() + std::ptrdiff_t(begin), out.end());
    return true;
}

double route_latency_s(const Topology& topo, const Route& route) {
    double s = 0;
    for (const Hop& h : route.hops)
        s += topo.link(h.link).latency_s;
    return s;
}

double route_bottleneck_Bps(const Topology& topo, const Route& route) {
    if (route.hops.empty()) return 0;
    double b = std::numeric_limits<double>::infinity();
    for (const Hop& h : route.hops)
        b = std::min(b, topo.link(h.link).bandwidth_Bps);
    return b;
}

bool is_walk(const Topology& topo, DeviceId from, DeviceId to, const Route& route) {
    DeviceId at = from;
    for (const Hop& h : route.hops) {
        const LinkEnds e = topo.ends(h.link);
        if ((h.up ? e.lower : e.upper) != at) return false;
        at = h.up ? e.upper : e.lower;
    }
    return at == to;
}

} // namespace moetwin
