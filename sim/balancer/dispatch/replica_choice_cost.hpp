// SPDX-License-Identifier: Apache-2.0
// What a batch-aware dispatch policy (load_aware) costs the real system per MoE layer and
// micro-batch, before its dispatch can start: every rank gathers every other rank's top-k indices,
// then solves the same min-max split (deterministic, so all ranks agree without another exchange).
#pragma once

namespace moetwin::balancer {

// The solve's time per (token, expert) pair, whole policy (class building, max-flow, assignment):
// `moetwin balance dispatch` on the default decode scenario, plan wall time with load_aware minus
// round_robin (1.48 s - 1.09 s) over the step's ~16.1 M pairs (2 x 17,050 tokens x 8 picks x 59 MoE
// layers), one core of the 2-core 2.3 GHz Xeon VM of sim/step/PERF.md. A real deployment would run
// it on the host CPU of every rank; a host core is no slower.
inline constexpr double kLoadAwareSolveSecondsPerPair = 24e-9;

// int16 expert indices in the gathered routing (DeepSeek-V3: 257 experts with the shared one < 2^15).
inline constexpr double kExpertIndexBytes = 2;

struct ReplicaChoiceCostInput {
    int num_gpus            = 1;
    int gpus_per_node       = 8;
    double tokens_per_gpu   = 0; // mean tokens a rank dispatches in the micro-batch
    int picks_per_token     = 8; // top-k (+ 1 with a shared expert served from slots)
    double ib_Bps           = 50e9;
    double nvlink_Bps       = 160e9;
    double latency_s        = 0; // one-way latency to the farthest rank (IB cross-leaf)
    double overhead_s       = 0; // fixed cost of one low-latency kernel (NetworkCalibration)
    double solve_s_per_pair = kLoadAwareSolveSecondsPerPair;
};

struct ReplicaChoiceCost {
    double gather_s = 0;
    double solve_s  = 0;
    double total_s() const { return gather_s + solve_s; }
};

// Contract: pure. With m = tokens_per_gpu x picks_per_token x kExpertIndexBytes (one rank's
// message), n = min(gpus_per_node, num_gpus), G = num_gpus:
//   gather_s = overhead_s + latency_s + max((G - n) m / ib_Bps, (n - 1) m / nvlink_Bps)
//     (a direct all-gather, each rank writing its message to every other one as DeepEP's
//     low-latency kernels do: the NIC receives G - n messages while NVLink brings n - 1)
//   solve_s  = G x tokens_per_gpu x picks_per_token x solve_s_per_pair (every pair of the batch)
ReplicaChoiceCost replica_choice_cost(const ReplicaChoiceCostInput& in);

} // namespace moetwin::balancer
