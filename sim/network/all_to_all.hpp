// SPDX-License-Identifier: Apache-2.0
// The all-to-all primitive the step simulator calls from its SimGrid actors: one AllToAllPhase per
// (layer, micro-batch, dispatch|combine), joined by every rank, waited on per rank.
//
//   auto phase = fabric.create_phase(build_deepep_flows(traffic, router, gpus, opt),
//                                    deepep_phase_options(opt.mode, calib));
//   // in rank r's actor:
//   AllToAllHandle h = phase->start(r);   // non-blocking
//   ... compute overlapping the transfer: the step executor advances the rank's own clock (no SimGrid
//       Exec) and sleeps until that time only before it next interacts (step_executor.cpp) ...
//   h.wait();                              // blocks until rank r's part is done
//
// With the fluid backend (the default) SimGrid carries no bytes: the fluid model (fluid_model.hpp) solves
// each phase's transfer times on its own link calendar when the phase's last rank joins, and SimGrid is the
// clock and the barrier (actors sleep until their part's completion). With the simgrid_flows backend every
// flow is a SimGrid Comm sharing links max-min.
//   phase->timing().recv_done_s[r]        // per-rank completion; fabric.link_bytes(): per link
#pragma once

#include "sim/network/deepep.hpp"
#include "sim/network/flow_set.hpp"
#include "sim/network/fluid_model.hpp"
#include "sim/network/platform.hpp"
#include "sim/published/comm_enums.hpp"
#include "sim/published/network_calibration.hpp"

#include <simgrid/forward.h>

#include <memory>
#include <string_view>
#include <vector>

namespace moetwin {

struct PhaseOptions {
    double overhead_s        = 0;    // fixed cost before the first byte moves
    double chunk_bytes       = 0;    // fluid only: relays end at least one chunk after their inbound data
    double nvlink_message_s  = 0;    // fluid only: low-latency issue time per NVLink message (FluidOptions)
    double rate_share        = 1;    // fluid only: in-situ share of the calibrated rates (FluidOptions)
    double qp_chunk_stall_s  = 0;    // fluid only: normal mode, IBRC QP stall per RDMA chunk (FluidOptions)
    double rdma_after_nvlink = 0;    // fluid only: low-latency dispatch RDMA after the sender's NVLink stores
    bool wait_for_sends      = true; // a rank's part ends when its sends and receives have landed (normal
                                     // kernels); false: receives only (low-latency kernels post RDMA and go)
};
PhaseOptions deepep_phase_options(DeepEpMode mode, const NetworkCalibration& calib);
FluidOptions fluid_options(const PhaseOptions& o);

class AllToAllPhase;
struct PhaseSync; // all_to_all.cpp: the s4u mutex and condition variable of a phase

struct AllToAllHandle {
    std::shared_ptr<AllToAllPhase> phase;
    int rank = -1;
    void wait() const;
};

// One per simulation: owns the fluid link calendar and the per-link byte totals.
class CommFabric {
  public:
    CommFabric(const Router& router, const PlatformMap& platform, const NetworkCalibration& calib, CommBackend backend);
    ~CommFabric();

    std::shared_ptr<AllToAllPhase> create_phase(FlowSet flows, PhaseOptions options);
    CommBackend backend() const { return backend_; }
    const std::vector<double>& link_bytes() const { return link_bytes_; } // by 2 * LinkId + (up ? 0 : 1)

  private:
    friend class AllToAllPhase;
    const Router& router_;
    const PlatformMap& platform_;
    CommBackend backend_;
    FluidNetwork fluid_;
    std::vector<double> link_bytes_;
    int next_phase_id_ = 0;
};

// Contract: each rank calls start(rank) exactly once, from a SimGrid actor; the phase begins when
// the last rank has started (DeepEP's notify step and the low-latency receive wait both need every
// rank). wait(rank) blocks the calling actor until that rank's part is done, not the whole phase.
class AllToAllPhase : public std::enable_shared_from_this<AllToAllPhase> {
  public:
    AllToAllPhase(CommFabric& fabric, FlowSet flows, PhaseOptions options, int id);

    AllToAllHandle start(int rank);
    void wait(int rank);
    bool started() const { return started_; }
    // When rank's part ends (valid once wait(rank) returned): receives, and sends if wait_for_sends.
    double completion_s(int rank) const;
    // True once the phase has ended for `rank` as far as wait() is concerned (completion_s is then
    // final), so a caller may skip wait() and account for completion_s itself.
    bool done_for(int rank) const { return rank_done(rank); }
    const PhaseTiming& timing() const { return timing_; } // complete once every rank has waited
    const FlowSet& flows() const { return flows_; }
    // Hands the flows' storage back for reuse by a later phase; the phase keeps its timing and
    // link loads. Contract: every rank has waited.
    std::vector<Flow> take_flow_storage() { return std::move(flows_.flows); }
    const std::vector<LinkLoad>& link_loads() const { return loads_; }

  private:
    void begin();              // last rank joined: solve (fluid) or launch flows (SimGrid)
    void run_sender(int rank); // SimGrid backend: the actor issuing rank's flows
    bool rank_done(int rank) const;

    CommFabric& fabric_;
    FlowSet flows_;
    PhaseOptions options_;
    int id_;
    int joined_   = 0;
    bool started_ = false;
    std::vector<char> has_joined_;
    PhaseTiming timing_;
    std::vector<LinkLoad> loads_;
    std::vector<int> pending_send_, pending_recv_; // SimGrid backend: flows still in flight per rank
    std::vector<std::vector<int>> flows_by_src_;   // SimGrid backend
    std::shared_ptr<PhaseSync> sync_;              // s4u mutex + condition variable (kept out of this header)
};

} // namespace moetwin
