// SPDX-License-Identifier: Apache-2.0
// The bookkeeping DeepEP's normal mode runs before moving tokens (V1 csrc/kernels/layout.cu and
// internode.cu; kernel names in reference §5.2):
//  - get_dispatch_layout: one kernel reads the top-k indices and writes per-rank, per-node and
//    per-expert token counts and is_token_in_rank: memory-bound, a few hundred kB.
//  - notify_dispatch: the counts go all-to-all (NVLink barrier, RDMA to the same-rank GPU of every
//    node, RDMA barrier, NVLink exchange and barrier), and the CPU polls the mapped receive counters
//    before it can size the outputs and launch dispatch: normal dispatch blocks the CPU.
//  - cached_notify (before combine, and before a dispatch that reuses a layout): barriers and buffer
//    clean-up only. DeepEP's benchmarks time cached dispatch and combine, so its cost is inside the
//    fitted per-phase overhead (NetworkCalibration::normal_overhead_s) and is not added again.
// Reading the trace (reference §5.2; training trace, EP64): notify_dispatch kernels last
// 0.75-1.4 ms, far above the microseconds of latency below. A notify kernel spins in its barriers
// until every rank has arrived, so its duration is mostly waiting for the slowest rank (routing
// skew, the other micro-batch's compute ahead of it). The step simulation gets that wait from the
// phase itself (a phase begins when its last rank joins), so only the latency-bound work is
// modelled here, and the notify span runs from a rank's arrival to the phase start plus overhead.
#pragma once

#include "topologies/routing.hpp"

namespace moetwin {

struct NotifyCost {
    double layout_s   = 0; // get_dispatch_layout: its bytes at HBM bandwidth
    double exchange_s = 0; // notify_dispatch: barrier and exchange rounds + the CPU's poll
    double total_s() const { return layout_s + exchange_s; }
};

// Contract: pure. `num_gpus` ranks on GPUs 0..num_gpus-1 of `router`'s topology; `tokens_per_rank`
// tokens each with `num_topk` int64 indices; hbm_Bps > 0. Rounds (one-way latencies of the
// topology's routes from GPU 0 to the farthest same-node and other-node GPU): 2 NVLink + 2 RDMA,
// plus one PCIe round trip for the CPU's poll of the mapped counter (GPU 0's PCIe link latency).
NotifyCost notify_dispatch_cost(const Router& router, int num_gpus, double tokens_per_rank, int num_topk,
                                double hbm_Bps);

} // namespace moetwin
