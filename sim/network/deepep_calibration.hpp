// SPDX-License-Identifier: Apache-2.0
// Calibration against DeepEP V1's published tables (reference §5.1): reproduce its tests' settings
// and bandwidth arithmetic (§5.2) on the simulated platform, and compare row by row.
#pragma once

#include "sim/network/all_to_all.hpp"
#include "sim/network/deepep.hpp"
#include "sim/network/traffic_matrix.hpp"
#include "topologies/cluster_spec.hpp"

#include <cstdint>
#include <iosfwd>
#include <span>
#include <string>
#include <vector>

namespace moetwin {

struct PublishedRow {
    DeepEpMode mode         = DeepEpMode::Normal;
    CommDirection direction = CommDirection::Dispatch;
    int ep                  = 8;
    double bandwidth_GBps   = 0; // as DeepEP's tests print it
    double latency_us       = 0; // low-latency rows only (the kernel time); 0 for normal rows
    const char* source      = "";
};

// The regression targets (tolerance kCalibrationTolerance):
//  - normal EP8 (intranode kernels, NVLink) and LL EP8..256: V1 as released (commit ebfe47e);
//  - normal EP16, 32, 64 (internode): commit 3b1045d (IBGDA, one QP per channel), the RDMA
//    transport the low-latency kernels use too. The released ebfe47e internode rows went through
//    NVSHMEM's CPU proxy; they are listed by deepep_proxy_rows() for comparison, not fitted.
std::span<const PublishedRow> deepep_published_rows();
std::span<const PublishedRow> deepep_proxy_rows();
// Low-latency rows after DeepEP PR #173 (commit d8dd185, "leverage NVLink as much as possible"):
// same-node messages over NVLink. A check of the routing, not fitted: run with
// CalibrationSetup::ll_policy = RoutePolicy::NvlinkFirst.
std::span<const PublishedRow> deepep_nvlink_ll_rows();
inline constexpr double kCalibrationTolerance = 0.10;

struct CalibrationSetup {
    FabricKind fabric   = FabricKind::FatTree2; // DeepEP's cluster: one NIC per GPU on one IB fabric
    CommBackend backend = CommBackend::Fluid;
    NetworkCalibration calibration; // defaults: the fitted values
    std::string network_model = "CM02";
    bool use_simgrid          = true;                  // false: solve the fluid model in-process (fit, fast tests)
    RoutePolicy ll_policy     = RoutePolicy::RdmaOnly; // low-latency kernels: V1 as released
    std::uint64_t seed        = 1;
};

struct CalibrationResult {
    PublishedRow published;
    double simulated_GBps = 0;
    double simulated_us   = 0; // phase time (makespan)
    double error          = 0; // relative, on latency for LL rows, on bandwidth for normal rows
    double wall_s         = 0; // wall time of the simulation that produced the row
};

// DeepEP's arithmetic on one phase: mean over ranks of (bytes the rank's test counts) / time.
// Time is the phase makespan: the tests loop kernels back to back, so every rank runs at the pace
// of the slowest one. Bytes: normal internode = tokens per destination node (local node included)
// x 7,392 B (dispatch) or 14,336 B (combine); normal intranode = tokens received x the same;
// low-latency = selections x 7,408 B or 14,336 B.
double deepep_test_bandwidth_Bps(DeepEpMode mode, CommDirection dir, const TrafficMatrix& traffic,
                                 const PhaseTiming& timing, const DeepEpShape& shape = {});

// Runs every (mode, EP) case once (dispatch then combine), each in its own child process when
// setup.use_simgrid, and returns one result per row, in the order given.
std::vector<CalibrationResult> run_calibration(const CalibrationSetup& setup, std::span<const PublishedRow> rows);

// EP | kernel | published | simulated | error, then a verdict line.
void print_calibration_table(std::span<const CalibrationResult> rows, std::ostream& out);

// Minimax fit of nvlink_efficiency, ib_efficiency and the two phase overheads to the target rows
// (in-process fluid model, grid then refinement). Writes progress to `log` if given.
NetworkCalibration fit_calibration(const CalibrationSetup& setup, std::ostream* log = nullptr);

} // namespace moetwin
