// SPDX-License-Identifier: Apache-2.0
// Benchmarks behind `moetwin bench comm --scale` and `--accuracy` (issue 3, item 6): platform
// build/route/seal at 16,384 GPUs, wall time per EP144 all-to-all phase, and the simulated-time
// difference between the fluid model and SimGrid flows. Not timed tests: they print tables.
#pragma once

#include "sim/network/all_to_all.hpp"

#include <cstdint>
#include <iosfwd>

namespace moetwin {

struct ScaleBenchOptions {
    int mpft_nodes     = 2048;    // 16,384 GPUs: the largest MPFT (ISCA'25 §5.1)
    int route_samples  = 1000000; // random GPU pairs routed by the Router
    int simgrid_routes = 10000;   // random pairs resolved through SimGrid (Host::route_to)
    int ep             = 144;     // DeepSeek's decode unit
    int phases         = 232;     // one decode step: 58 MoE layers x (dispatch, combine) x 2 micro-batches
    bool reference     = false;   // also time one phase with one SimGrid comm per flow (slow: minutes)
    std::uint64_t seed = 1;
};

void run_scale_bench(const ScaleBenchOptions& opt, std::ostream& out);

// Fluid vs SimGrid flows (per pair and aggregated) on DeepEP-test and skewed traffic, EP 16..max_ep:
// phase makespans and per-rank completion times, relative to the per-pair SimGrid reference.
void run_accuracy_bench(int max_ep, std::ostream& out, std::uint64_t seed = 1);

} // namespace moetwin
