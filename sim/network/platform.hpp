// SPDX-License-Identifier: Apache-2.0
// build_platform(): the SimGrid platform of a Topology, built in code (design.md example 13).
//
//   Topology (Boost.Graph)              SimGrid 3.32
//   GPU i                        ->     Host "n<node>.gpu<r>"           (PlatformMap::gpu_hosts[i])
//                                       Host "n<node>.gpu<r>.rdma"      (rdma_hosts[i], optional)
//   Link l (any kind)            ->     split-duplex link "l<id>": l<id>_UP (lower->upper),
//                                       l<id>_DOWN (upper->lower), effective bandwidth, latency
//   NVSwitch, NIC, IB switches   ->     nothing: they are implied by the links a route crosses
//   routes                       ->     one TopologyZone (root): every host-to-host route is asked of
//                                       the Router; gpu->gpu uses RoutePolicy::NvlinkFirst and
//                                       rdma->rdma uses RoutePolicy::RdmaOnly
//
// NOTES: configure_network_model() must run right after the Engine is constructed and before this
// (SimGrid reads the model when the first zone is created); SimEngine (sim_engine.hpp) does both. CM02 with
// crosstraffic off makes a lone transfer take exactly latency + bytes / bandwidth; LV08 (SimGrid's default) multiplies
// latency by 13.01 and bandwidth by 0.97 (TCP-over-Ethernet factors) and is not for NVLink or RDMA.
#pragma once

#include "sim/published/network_calibration.hpp"
#include "topologies/routing.hpp"

#include <simgrid/forward.h>

#include <string>
#include <vector>

namespace moetwin {

// GPU hosts' CPU-model speed (flop/s). The step executor keeps each GPU's compute on its own clock
// and never runs an Exec; an actor that does (tests) computes t seconds as Exec(t x this).
inline constexpr double kGpuHostSpeedFlops = 1e12;

struct PlatformMap {
    std::vector<simgrid::s4u::Host*> gpu_hosts;  // by GPU index
    std::vector<simgrid::s4u::Host*> rdma_hosts; // by GPU index; empty without rdma_endpoints
    std::vector<simgrid::s4u::Link*> link_up;    // by LinkId: direction lower -> upper
    std::vector<simgrid::s4u::Link*> link_down;  // by LinkId: direction upper -> lower
    simgrid::s4u::NetZone* zone = nullptr;

    simgrid::s4u::Host* host(int gpu, RoutePolicy policy = RoutePolicy::NvlinkFirst) const;
    simgrid::s4u::Link* link(const Hop& hop) const { return (hop.up ? link_up : link_down)[hop.link]; }
    int gpu_of(const simgrid::s4u::Host* host) const; // -1 if not one of ours
};

// Sets network/model (CM02, LV08 or SMPI, as scenarios name them; throws ConfigError otherwise) and
// network/crosstraffic, and quiets SimGrid's configuration log. Call before build_platform().
void configure_network_model(const std::string& model, bool crosstraffic = false);

// Builds and seals the platform inside the current Engine: effective bandwidth = link bandwidth x
// the calibration's efficiency of its kind; `rdma_endpoints` adds the ".rdma" alias hosts (2x hosts)
// that RdmaOnly flows start and end at. `router` must outlive the simulation. Called by SimEngine
// (sim_engine.hpp), which owns the Engine.
PlatformMap build_platform(const Router& router, const NetworkCalibration& calibration, bool rdma_endpoints);

} // namespace moetwin
