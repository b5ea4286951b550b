// SPDX-License-Identifier: Apache-2.0
// The per-stage programs of one training step (pipeline_program.hpp) executed by SimGrid actors, one per PP rank
// of a representative pipeline, each on the host of the GPU that holds that rank's stages. An op is a sleep of
// op_seconds (the chunk times already include the EP all-to-all, simulated separately); every PP transfer is a
// SimGrid communication of `msg_bytes` between the two ranks' hosts through a mailbox of its own, so its time
// comes from the platform: the routes, the links' bandwidth and latency, and the other flows on them (the PP
// transfers of the same rank, the all-to-all's mean load on the rank's NIC during each op, and whatever else
// the caller puts on the platform at the same time).
//
//   eager programs (1F1B, ZB1P): every receive is posted when the actor starts and a send leaves when its op
//     ends (never waited for), so a transfer starts when its op ends;
//   commits (DualPipe): at each commit the actor posts its receives and sends together and waits for all of them
//     (dualpipe.py's batch_isend_irecv + wait); SimGrid's mailbox rendezvous starts a transfer once both ends are
//     posted, as NCCL's send waits for the matching receive.
//
// With the same rules, simulate_pipeline (pipeline_sim.hpp) is the exact event simulation of these actors when
// every transfer takes a fixed p2p_s: the oracle the tests hold the actors to (simulate_pipeline_actors).
#pragma once

#include "sim/step/pipeline_sim.hpp"

#include <simgrid/forward.h>

#include <functional>
#include <vector>

namespace moetwin::step {

struct PipelineActorsSetup {
    std::vector<simgrid::s4u::Host*> rank_hosts; // [rank]: where its actor runs and its transfers start and end
    double msg_bytes = 0;                        // bytes of one PP transfer
    // The EP all-to-all's share of each rank GPU's NIC while its ops run (nothing when empty). Its bytes are
    // inside the chunk times (a separate simulation); here they only load the NIC the PP transfers use: each op
    // starts one flow rank -> peer.first and one peer.second -> rank of the bytes its chunks' all-to-alls send
    // (F, B/BW: one chunk's; F&B: both; W: none), each capped at those bytes / the op's seconds, its mean rate
    // over the op; max-min sharing then gives a PP transfer during the op what the all-to-all leaves.
    std::vector<double> nic_bytes_per_chunk;                                    // [stage position]
    std::vector<std::pair<simgrid::s4u::Host*, simgrid::s4u::Host*>> nic_peers; // [rank] {to, from}
    // Called in the rank's actor, at the simulated time its program ended (the data-parallel sync starts there).
    std::function<void(int rank)> on_rank_end;
};

// Filled while the engine runs.
struct PipelineActorsOutput {
    std::vector<std::vector<PipeSpan>> spans; // [rank], program order
    std::vector<double> end_s;                // [rank] when its program (and, with commits, its last commit) ended
    std::vector<double> sent_B, received_B;   // [rank] PP bytes it sent and received
};

// Contract: creates the actors inside the current SimGrid engine (platform built, not yet run); `out` must
// outlive the run. MOETWIN_ASSERT on sizes that do not match the programs.
void create_pipeline_actors(const PipelinePrograms& programs, const std::vector<ChunkTimes>& by_position,
                            const PipelineActorsSetup& setup, PipelineActorsOutput* out);

// The oracle run: a SimGrid engine of its own on a private platform (pp hosts; every route one unshared link of
// latency p2p_s; transfers of 0 bytes), so every transfer takes exactly p2p_s. Creates the process's SimGrid
// engine: once per process (tests; or run_in_child).
PipelineRun simulate_pipeline_actors(const PipelinePrograms& programs, const std::vector<ChunkTimes>& by_position,
                                     double p2p_s);

} // namespace moetwin::step
