// SPDX-License-Identifier: Apache-2.0
// SimEngine: the process's one SimGrid simulation. It owns the s4u Engine, the network model
// configuration, the platform built from a Router (platform.hpp), the all-to-all fabric on it
// (all_to_all.hpp) and the once-per-process rule; NetworkOptions: the network options every user of
// the simulator shares (the step executor, run_comm_phases, the DeepEP calibration, the benches).
//
//   SimEngine sim(router, options);              // engine + model + platform + fabric
//   sg4::Actor::create(..., sim.platform().host(g), ...);
//   auto phase = sim.fabric().create_phase(flows, phase_options);
//   const double end_s = sim.run();              // simulated seconds at the end
//
// NOTES: SimGrid allows one Engine per process and never frees its global state, so a second
// SimEngine in a process throws ConfigError (a clear error, not SimGrid's abort); run every further
// simulation in a child with run_in_child() (subprocess.hpp).
#pragma once

#include "sim/network/all_to_all.hpp"
#include "sim/network/platform.hpp"
#include "sim/published/deepep_generation.hpp"
#include "sim/published/network_calibration.hpp"
#include "topologies/routing.hpp"

#include <memory>
#include <string>

namespace simgrid::s4u {
class Engine;
}

namespace moetwin {

// The network model of one simulation. The scenario's network section maps onto it once
// (step::exec_options_for); libraries never see the scenario.
struct NetworkOptions {
    CommBackend backend = CommBackend::Fluid;
    // Link efficiencies and phase costs. NOTES: SimEngine takes it as given: resolve it for the
    // kernels first where that matters (NetworkCalibration::for_kernels: SMs, CPU proxy).
    NetworkCalibration calibration;
    std::string simgrid_model = "CM02"; // CM02 with crosstraffic off: exact latency + bytes / bandwidth
    bool crosstraffic         = false;
    // DeepEP kernel generation: low-latency routing inside a node (low_latency_policy). SimEngine
    // itself does not use it.
    DeepEpGeneration deepep = kDefaultDeepEpGeneration;
};

// Contract: the constructor starts SimGrid (quiet log), sets options.simgrid_model and
// crosstraffic, builds and seals the platform of `router` (with the ".rdma" alias hosts when the
// backend is simgrid_flows, whose RdmaOnly flows need them) and the fabric with options.backend and
// options.calibration. Throws ConfigError for an unknown SimGrid model or when this process already
// had a SimEngine. `router` must outlive the SimEngine.
class SimEngine {
  public:
    SimEngine(const Router& router, const NetworkOptions& options);
    ~SimEngine();
    SimEngine(const SimEngine&)            = delete;
    SimEngine& operator=(const SimEngine&) = delete;

    const NetworkOptions& options() const { return options_; }
    const PlatformMap& platform() const { return platform_; }
    CommFabric& fabric() { return *fabric_; }

    // Runs the simulation to its end: every actor created on the platform. Once per SimEngine.
    // Returns the simulated clock at the end (seconds).
    double run();
    static double clock(); // the simulated clock now (seconds)

    // Wall seconds from the start of construction until run() began (or until now, before it):
    // engine, model, platform, fabric and whatever the caller set up on it (actors, phases).
    double setup_wall_s() const;
    double run_wall_s() const { return run_wall_s_; } // of run()

    // Whether this process already had its SimGrid engine (then no SimEngine can be constructed).
    static bool used();

  private:
    NetworkOptions options_;
    double start_wall_ = 0, run_start_wall_ = -1, run_wall_s_ = 0;
    std::unique_ptr<simgrid::s4u::Engine> engine_;
    PlatformMap platform_;
    std::unique_ptr<CommFabric> fabric_;
};

} // namespace moetwin
