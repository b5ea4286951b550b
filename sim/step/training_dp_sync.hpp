// SPDX-License-Identifier: Apache-2.0
// The ZeRO-1 data-parallel sync at the end of a training step as SimGrid flows over the cluster's fabric
// (issue 19): when a PP rank's program ends, every GPU of that stage runs, one actor each,
//   reduce-scatter of its FP32 gradients (4 B per parameter) over its routed-expert group, then over its
//   other-parameter group; the optimizer step (a sleep of optimizer_s); all-gather of its BF16 parameters
//   (2 B per parameter) over the same two groups.
// Each collective is a ring (the bandwidth-optimal algorithm NCCL uses for reduce-scatter and all-gather):
// n − 1 steps, in each of which every member sends bytes / n to its successor and waits for its predecessor's
// chunk; so on an uncontended fabric it takes (n − 1) × (route latency + bytes / n / bandwidth).
//   Groups: PP rank r holds GPUs [r·G/PP, (r+1)·G/PP) (stage-major: a stage's EP groups are consecutive GPUs);
//   routed experts: the GPUs at the same index of every EP group of the stage (dp_size members); the rest:
//   every GPU of the stage (attention DP), in ring order (GPU index in its node, node), so that every hop but
//   the wrap-arounds between planes leaves through the sender's own NIC on its own plane, as NCCL's one ring
//   per NIC does.
#pragma once

#include <simgrid/forward.h>

#include <functional>
#include <vector>

namespace moetwin::step {

struct DpSyncSpec {
    int pp = 1, gpus_per_stage = 1, ep_size = 1, gpus_per_node = 1;
    std::vector<double> routed_params, other_params; // [rank] per GPU (routed: the GPU's own experts)
    std::vector<double> optimizer_s;                 // [rank]
    std::function<simgrid::s4u::Host*(int gpu)> host_of;
};

struct DpSyncTimes { // [rank], the latest GPU of the stage
    std::vector<double> start_s, reduce_scatter_end_s, optimizer_end_s, all_gather_end_s;
};

// Ring position of stage-local GPU index `i` in its other-parameter group, and the stage-local index at a
// position (inverse).
int other_ring_position(int i, int gpus_per_stage, int gpus_per_node);
int other_ring_member(int pos, int gpus_per_stage, int gpus_per_node);

// Contract: called inside a running SimGrid engine at the simulated time rank `rank`'s program ended: creates
// one actor per GPU of the stage; `out` (sized by init_dp_sync_times) and `spec` must outlive the run.
void start_dp_sync(const DpSyncSpec& spec, int rank, DpSyncTimes* out);
void init_dp_sync_times(int pp, DpSyncTimes* out);

// Contract: called inside an actor of a running engine; one call per member, all with the same tag, n and
// bytes. The ring collective of `bytes` (per member, before splitting) over n members; member `me` sends to
// mailbox (tag, me + 1 mod n) and receives on (tag, me).
void ring_collective(const std::string& tag, int me, int n, double bytes);

} // namespace moetwin::step
