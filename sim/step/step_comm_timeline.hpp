// SPDX-License-Identifier: Apache-2.0
// comm_timeline(): the trace's flow arrows and link counters (RunResult::comm, sim/result/comm_timeline.hpp)
// from a simulated step's routing and the network backend's per-phase link usage.
#pragma once

#include "sim/result/comm_timeline.hpp"
#include "sim/step/step_executor.hpp"
#include "sim/step/step_plan.hpp"
#include "topologies/topology.hpp"

namespace moetwin::step {

// Flow arrows per all-to-all phase and sender: the receivers it sends the most tokens (ties: lower GPU).
// The bound on the trace: at most this many arrows per (sender GPU, MoE pass, micro-batch, direction),
// so the EP144 decode step (59 MoE passes, MTP included, x 2 micro-batches x 2 directions = 236 phases)
// has at most 144 x 2 x 236 = 67,968 arrows (135,936 events, ~14 MB beside the spans' 104k events, 13 MB).
inline constexpr int kFlowsPerSender = 2;

// Contract: pure, deterministic. Flows from plan.route(L, m).traffic.tokens (dispatch: row s, the token's
// GPU s sends each destination GPU its tokens once; combine: the same counts back), bounded by
// kFlowsPerSender. Counters per node of the unit (nodes 0 .. num_nodes-1): "nvlink out" sums its GPUs'
// GPU -> NVSwitch ports, "ib out" its NICs' NIC -> leaf uplinks (only groups that carried bytes). Each
// link carries its phase bytes evenly over the interval the network backend drained them in
// (trace.link_busy: the fluid model's per-link calendar slot, which never overlaps the link's other slots);
// no counters when the backend reported none (SimGrid flows). capacity_Bps sums the group's effective
// capacities as LinkStats does, scaled up by the fastest drain where an in-situ rate share above 1 (a
// calibration that measured the kernels faster than their benchmark) ran a link faster.
CommTimeline comm_timeline(const StepPlan& plan, const StepTrace& trace, const Topology& topo, int num_nodes,
                           int64_t step_time_ns);

} // namespace moetwin::step
