// SPDX-License-Identifier: Apache-2.0
// Steps 3-5 of a training step (sim/training_run.hpp) in one SimGrid simulation of the scenario's fabric, in a
// child process (one engine per process): the pipeline actors (sim/step/pipeline_actors.hpp) of a representative
// pipeline, one per PP rank on the first GPU of its stage, with the PP transfers and the all-to-all's NIC load as
// flows, and when each rank's program ends the ZeRO-1 sync of every GPU of its stage (sim/step/training_dp_sync.hpp).
#pragma once

#include "sim/scenario.hpp"
#include "sim/step/pipeline_program.hpp"
#include "sim/step/pipeline_sim.hpp"
#include "sim/step/training_dp_sync.hpp"

#include <vector>

namespace moetwin {

// What the fabric simulation of one step hands back across the child's pipe.
struct StepOnFabric {
    std::vector<std::vector<double>> begin_s, end_s; // [rank][op] in program order
    std::vector<double> rank_end_s;                  // [rank] the program (and its last commit) ended
    step::DpSyncTimes dp;
    double p2p_alone_s = 0; // one PP transfer alone on the route between ranks 0 and 1
};

// Contract: deterministic; runs one child process. `dp` without host_of (set here); `msg_bytes` one PP transfer;
// `nic_bytes` [stage position] the all-to-all's bytes per chunk through a GPU's NIC (all 0: no NIC load).
// Placement: rank r's GPUs are [r·G/PP, (r+1)·G/PP); its actor runs on the first of them.
StepOnFabric simulate_step_on_fabric(const Scenario& s, const step::PipelinePrograms& programs,
                                     const std::vector<step::ChunkTimes>& total, const step::DpSyncSpec& dp,
                                     double msg_bytes, const std::vector<double>& nic_bytes);

} // namespace moetwin
