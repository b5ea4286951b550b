// SPDX-License-Identifier: Apache-2.0
// CommTimeline: what the Perfetto trace draws besides the spans (issue 13 item 9): flow arrows from each
// all-to-all send span to its receivers' spans, and counter tracks of link-group throughput over time.
// Trace-only: filled by the simulator (sim/step/step_comm_timeline.hpp) and written by write_chrome_trace,
// never to result.json, so a RunResult read back from result.json has an empty timeline.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace moetwin {

struct RunResult;

// One sender -> receiver arrow of one all-to-all phase (a MoE layer's dispatch or combine of one micro-batch).
// Dispatch: the token's GPU sends to the expert's GPU; combine: back. Both ends are the (gpu, lane, layer,
// micro_batch) transfer span (op "dispatch" / "combine", not the notify span before it).
struct CommFlow {
    int32_t src_gpu    = 0;
    int32_t dst_gpu    = 0;
    int16_t layer      = 0;
    int8_t micro_batch = 0;
    bool combine       = false; // false: the dispatch lane, true: the combine lane
    int64_t tokens     = 0;     // tokens src sends dst in this phase (> 0)

    bool operator==(const CommFlow&) const = default;
};

// Throughput of a link group from t_ns until the next sample (the last sample is 0).
struct RateSample {
    int64_t t_ns = 0;
    double Bps   = 0; // bytes per second, in [0, LinkCounter::capacity_Bps]

    bool operator==(const RateSample&) const = default;
};

// The summed throughput of one node's links of one kind, one direction (a counter track).
struct LinkCounter {
    int32_t node = 0;
    std::string group;       // "nvlink out" (the node's GPU -> NVSwitch ports) | "ib out" (its NIC -> leaf uplinks)
    double capacity_Bps = 0; // sum of the group's links' effective capacities (as LinkStats::capacity_Bps)
    int64_t bytes       = 0; // bytes the group's links carried over the step (the samples integrate to this)
    std::vector<RateSample> samples; // t_ns strictly increasing; consecutive values differ

    bool operator==(const LinkCounter&) const = default;
};

struct CommTimeline {
    std::vector<CommFlow> flows;       // in (layer, micro_batch, combine, src_gpu, dst_gpu) order
    std::vector<LinkCounter> counters; // in (node, group) order

    bool operator==(const CommTimeline&) const = default;
};

// Throws ConfigError "comm.<path>: ..." when r.comm breaks an invariant: flow GPUs and layers in range,
// tokens > 0; counter nodes in range, samples sorted inside [0, step_time_ns], rates in [0, capacity].
void validate_comm(const RunResult& r);

// The bytes a counter's samples imply: sum of rate x duration (what the trace viewer integrates).
double counter_bytes(const LinkCounter& c);

} // namespace moetwin
