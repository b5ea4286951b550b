// SPDX-License-Identifier: Apache-2.0
// build_platform(): hosts, split-duplex links and the Router-backed zone; configure_network_model().
#include "sim/network/platform.hpp"

#include "common/errors.hpp"
#include "sim/network/topology_zone.hpp"

#include <simgrid/kernel/routing/NetPoint.hpp>
#include <simgrid/s4u/Engine.hpp>
#include <simgrid/s4u/Host.hpp>
#include <simgrid/s4u/Link.hpp>
#include <simgrid/s4u/NetZone.hpp>
#include <xbt/log.h>

#include <set>

namespace sg4 = simgrid::s4u;

namespace moetwin {

sg4::Host* PlatformMap::host(int gpu, RoutePolicy policy) const {
    if (policy == RoutePolicy::RdmaOnly) {
        MOETWIN_ASSERT(!rdma_hosts.empty(), "RdmaOnly flows need the platform's rdma_endpoints");
        return rdma_hosts[std::size_t(gpu)];
    }
    return gpu_hosts[std::size_t(gpu)];
}

int PlatformMap::gpu_of(const sg4::Host* h) const {
    const std::size_t id = h->get_netpoint()->id();
    const std::size_t n  = gpu_hosts.size();
    if (id < n && gpu_hosts[id] == h) return int(id);
    if (id >= n && id - n < rdma_hosts.size() && rdma_hosts[id - n] == h) return int(id - n);
    return -1;
}

void configure_network_model(const std::string& model, bool crosstraffic) {
    static const std::set<std::string> known{"CM02", "LV08", "SMPI"};
    if (!known.count(model)) throw ConfigError("network model \"" + model + "\": expected CM02, LV08 or SMPI");
    xbt_log_control_set("xbt_cfg.thres:warning");
    sg4::Engine::set_config("network/model:" + model);
    sg4::Engine::set_config(std::string("network/crosstraffic:") + (crosstraffic ? "1" : "0"));
}

PlatformMap build_platform(const Router& router, const NetworkCalibration& calibration, bool rdma_endpoints) {
    calibration.validate();
    const Topology& topo = router.topology();
    auto* engine         = sg4::Engine::get_instance();
    const bool had_root  = engine->get_netzone_root() != nullptr;
    auto* zone           = new detail::TopologyZone("moetwin", router); // the first zone becomes the root
    if (had_root) zone->set_parent(engine->get_netzone_root()->get_impl());

    PlatformMap map;
    map.zone = zone->get_iface();
    // Hosts first, in GPU order, so that netpoint id == GPU index (then n + GPU index for aliases).
    for (int i = 0; i < topo.num_gpus(); ++i) {
        map.gpu_hosts.push_back(map.zone->create_host(topo.device(topo.gpu(i)).name, kGpuHostSpeedFlops));
        zone->gpu_of_netpoint.push_back(i);
    }
    zone->num_gpu_hosts = map.gpu_hosts.size();
    if (rdma_endpoints)
        for (int i = 0; i < topo.num_gpus(); ++i) {
            map.rdma_hosts.push_back(
                map.zone->create_host(topo.device(topo.gpu(i)).name + ".rdma", kGpuHostSpeedFlops));
            zone->gpu_of_netpoint.push_back(i);
        }
    const std::size_t n = topo.num_links();
    map.link_up.resize(n);
    map.link_down.resize(n);
    zone->link_latency_s.resize(n);
    for (LinkId id = 0; id < n; ++id) {
        const Link& l = topo.link(id);
        auto* sd =
            map.zone->create_split_duplex_link("l" + std::to_string(id), effective_bandwidth_Bps(l, calibration));
        sd->set_latency(l.latency_s);
        map.link_up[id]          = sd->get_link_up();
        map.link_down[id]        = sd->get_link_down();
        zone->link_latency_s[id] = l.latency_s;
    }
    zone->link_up   = map.link_up;
    zone->link_down = map.link_down;
    map.zone->seal();
    return map;
}

} // namespace moetwin
