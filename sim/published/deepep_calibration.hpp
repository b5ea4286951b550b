// SPDX-License-Identifier: Apache-2.0
// Calibration against DeepEP V1's published tables (reference §5.1): reproduce its tests' settings
// and bandwidth arithmetic (§5.2) on the simulated platform, and compare row by row.
#pragma once

#include "sim/network/all_to_all.hpp"
#include "sim/network/deepep.hpp"
#include "sim/network/sim_engine.hpp"
#include "sim/network/traffic_matrix.hpp"
#include "sim/published/deepep_generation.hpp"
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

// Each generation's own table (reference §5.1), the regression targets (tolerance
// kCalibrationTolerance). Every generation has normal EP8 (intranode, NVLink; unchanged since
// ebfe47e), normal EP16/32/64 (internode) and low-latency EP8..256:
//  - v1_2025_02: ebfe47e throughout (internode RDMA through NVSHMEM's CPU proxy);
//  - v1_2025_04_ibgda: internode rows of 3b1045d, low-latency rows of ebfe47e;
//  - v1_2025_06_nvlink: as April, low-latency EP8..64 of d8dd185 (EP128/256 unchanged, ebfe47e's).
std::vector<PublishedRow> deepep_rows(DeepEpGeneration g);
inline constexpr double kCalibrationTolerance = 0.10;
// SMs DeepEP's tests give the normal kernels (tests/test_internode.py: `num_sms = 24`).
inline constexpr int kDeepEpTestSms = 24;

struct CalibrationSetup {
    FabricKind fabric = FabricKind::FatTree2; // DeepEP's cluster: one NIC per GPU on one IB fabric
    // Backend, calibration (the shared parameters, resolved per kernel: for_kernels), SimGrid model
    // and network.deepep, the generation (low-latency routing and its rows); see setup_for().
    NetworkOptions network = {.calibration = deepep_calibration(kDefaultDeepEpGeneration)};
    bool use_simgrid       = true; // false: solve the fluid model in-process (fit, fast tests)
    int comm_sms           = kDeepEpTestSms;
    std::uint64_t seed     = 1;
};
// The setup of generation g (network.deepep) with its fitted calibration.
CalibrationSetup setup_for(DeepEpGeneration g);

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

// Minimax fit of nvlink_efficiency, ib_efficiency and the two phase overheads to the
// v1_2025_04_ibgda rows (in-process fluid model, grid then refinement). Writes progress to `log`.
NetworkCalibration fit_calibration(const CalibrationSetup& setup, std::ostream* log = nullptr);
// Minimax fit of setup.network.deepep's own parameters on its own rows, the shared ones held at
// setup.network.calibration: ibrc_chunk_stall_s on the internode normal rows (v1_2025_02);
// ll_nvlink_message_s and ll_rdma_after_nvlink on the low-latency rows (v1_2025_06_nvlink);
// v1_2025_04_ibgda: fit_calibration(). In-process fluid model.
NetworkCalibration fit_generation(const CalibrationSetup& setup, std::ostream* log = nullptr);

} // namespace moetwin
