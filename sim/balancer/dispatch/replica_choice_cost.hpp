// SPDX-License-Identifier: Apache-2.0
// What a batch-aware dispatch policy (load_aware) costs the real system per MoE layer and
// micro-batch, before its dispatch can start: every rank all-gathers every rank's per-expert token
// counts, then solves the same min-max split (dispatch/replica_split.hpp; deterministic, so all
// ranks agree without another exchange), matches the counts to the replicas' quotas (same GPU, then
// same node) and places its own tokens.
#pragma once

#include <cstdint>

namespace moetwin::balancer {

// Seconds per operation of split_replicas(), two kinds (their costs differ 40-fold): the count
// sums (ReplicaSplit::sum_ops, a streaming add) and the rest (ReplicaSplit::ops: flow edges built
// and scanned, per-slot split). Google Benchmark `bench_balancer --benchmark_filter=load_aware_split`
// (tests/balancer/bench_balancer.cpp): EP144 decode count matrices (144 ranks x 118 tokens x top-8)
// drawn from the recorded decode_in1000out1000 loads under an EPLB-global 288-slot placement, all
// 58 layers, CPU time on one core of the project's shared 2-core 2.3 GHz Xeon VM (sim/step/PERF.md):
// 35.1 us per layer from the counts, 21.1 us from the totals (ops 1,439 per layer), so the 36,864
// sums take 14.0 us (0.38 ns each) and the rest 14.7 ns per op. Rounded up: 0.4 and 15 ns.
inline constexpr double kLoadAwareSecondsPerSum = 0.4e-9;
inline constexpr double kLoadAwareSecondsPerOp  = 15e-9;

// One rank's message: one int32 token count per logical expert.
inline constexpr double kExpertCountBytes = 4;

struct ReplicaChoiceCostInput {
    int num_gpus           = 1;
    int gpus_per_node      = 8;
    int num_experts        = 256; // logical experts in the counts (the shared one too when served from slots)
    double ib_Bps          = 50e9;
    double nvlink_Bps      = 160e9;
    double latency_s       = 0; // one-way latency to the farthest rank (IB cross-leaf)
    double overhead_s      = 0; // fixed cost of one low-latency kernel (NetworkCalibration)
    int64_t sum_ops        = 0; // ReplicaSplit::sum_ops + match_ops of the micro-batch's split (streaming ops)
    int64_t solve_ops      = 0; // ReplicaSplit::ops of the micro-batch's split
    double seconds_per_sum = kLoadAwareSecondsPerSum;
    double seconds_per_op  = kLoadAwareSecondsPerOp;
};

struct ReplicaChoiceCost {
    double gather_s = 0;
    double solve_s  = 0;
    double total_s() const { return gather_s + solve_s; }
};

// Contract: pure. With m = num_experts x kExpertCountBytes (one rank's message),
// n = min(gpus_per_node, num_gpus), G = num_gpus:
//   gather_s = overhead_s + latency_s + max((G - n) m / ib_Bps, (n - 1) m / nvlink_Bps)
//     (a direct all-gather, each rank writing its message to every other one as DeepEP's
//     low-latency kernels do: the NIC receives G - n messages while NVLink brings n - 1)
//   solve_s  = sum_ops x seconds_per_sum + solve_ops x seconds_per_op
// Throws ConfigError on non-positive GPUs or bandwidths, negative experts or ops.
ReplicaChoiceCost replica_choice_cost(const ReplicaChoiceCostInput& in);

} // namespace moetwin::balancer
