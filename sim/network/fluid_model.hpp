// SPDX-License-Identifier: Apache-2.0
// FluidNetwork: the fast all-to-all model. Each phase is solved in one pass over its flows:
// every directed link drains the bytes routed over it at its effective bandwidth, and a flow ends
// when the most loaded link on its route has drained, plus the route latency.
//
// NOTES: why this and not SimGrid flows (toolchain.md §3, measured again in `bench comm --scale`):
//  - One SimGrid comm per GPU pair costs 0.25-0.5 s per EP144 phase, one per (GPU, node) ~25 ms,
//    one ptask ~13 ms; this costs O(flows x route length): ~0.1-1 ms for EP144.
//  - Every link finishes its phase at exactly bytes / bandwidth (the lower bound on any schedule),
//    so the phase makespan equals the max-min (SimGrid CM02) one whenever the bottleneck link is
//    kept busy, which holds for all-to-all. Within a link the flows progress in proportion to
//    their size (DeepEP sends in token order, so every destination advances together), so a small
//    flow behind a hot link ends with the link, where max-min fair sharing would end it earlier.
//  - Phases see each other through a per-link calendar: a link busy with an earlier phase starts
//    draining the next one when it is free (FIFO), instead of sharing bandwidth.
#pragma once

#include "sim/network/flow_set.hpp"
#include "sim/published/network_calibration.hpp"
#include "topologies/topology.hpp"

#include <cstdint>
#include <vector>

namespace moetwin {

struct PhaseTiming {
    double start_s = 0;              // when the phase was started (all ranks joined)
    std::vector<double> send_done_s; // per rank: last byte of the flows it sends or relays has landed
    std::vector<double> recv_done_s; // per rank: last byte of the flows it receives has landed
    double end_s() const;            // latest of all the above (start_s if no flow)
};

struct LinkLoad {
    std::uint32_t directed_link = 0; // 2 * LinkId + (up ? 0 : 1)
    double bytes                = 0;
    // When the link drained them. Fluid: its calendar slot (FIFO, so one link's slots never overlap), at
    // most its effective capacity x rate share. SimGrid flows: 0, 0 (the bytes share the link with
    // other phases' flows; the caller knows the phase's window).
    double begin_s = 0, end_s = 0;
};

struct FluidOptions {
    double overhead_s  = 0; // fixed cost before the first byte moves (kernel launch, notify)
    double chunk_bytes = 0; // relays (Flow::after) end at least one chunk after their inbound data
    // Sender issue time per message on a flow's first hop when that hop is NVLink (low-latency
    // kernels store messages into peers with SM warps: v1_2025_06_nvlink). The link drains its
    // bytes and, serially, messages x this time.
    double nvlink_message_s = 0;
    // Share of the calibrated link rates this phase's kernels reach in situ (1: as in DeepEP's own
    // benchmarks). Below 1 when the kernels share the GPU with overlapped compute: the rate a
    // `moetwin calibrate` trace measured over the network model's rate for the same kernel alone
    // (engine/calibration.hpp DeepEpInSitu::rate_share). Bytes are counted in full on every link.
    double rate_share = 1;
    // Normal kernels through NVSHMEM's IBRC transport (v1_2025_02): the time a queue pair sends
    // nothing after each RDMA chunk (its tail signal). Every flow with messages (its chunks) is one
    // QP on its sender's NIC uplink; the QPs overlap their stalls, so that link takes, on top of its
    // bytes, this stall x the mean chunk count of its QPs (NetworkCalibration::ibrc_chunk_stall_s).
    double qp_chunk_stall_s = 0;
    // Low-latency dispatch (v1_2025_06_nvlink): RDMA flows marked after_sender_nvlink start once
    // this share of their sender's NVLink stores (bytes and message issue) has drained.
    double rdma_after_nvlink = 0;
};

class FluidNetwork {
  public:
    FluidNetwork(const Topology& topo, const NetworkCalibration& calib);

    // Solves one phase whose flows start together at start_s. Updates the link calendar. If
    // `loads` is given, appends the bytes put on every directed link the phase touched.
    PhaseTiming solve(const FlowSet& flows, double start_s, const FluidOptions& opt,
                      std::vector<LinkLoad>* loads = nullptr);
    void reset_calendar();

    double capacity_Bps(std::uint32_t directed_link) const { return capacity_Bps_[directed_link]; }

  private:
    std::vector<double> capacity_Bps_;    // per directed link, effective
    std::vector<double> latency_s_;       // per link
    std::vector<double> busy_until_s_;    // per directed link
    std::vector<double> bytes_;           // scratch per directed link, zero outside solve()
    std::vector<double> end_s_;           // scratch per directed link
    std::vector<double> issue_s_;         // scratch per directed link: message issue and QP stall time
    std::vector<double> begin_s_;         // scratch per directed link: earliest start of its flows
    std::vector<double> qp_chunks_;       // scratch per directed link: RDMA chunks of its QPs (IBRC stall)
    std::vector<int> qps_;                // scratch per directed link: QPs (flows) that stall on it
    std::vector<double> rank_start_s_;    // scratch per rank: when its gated RDMA flows may start
    std::vector<std::uint32_t> rank_nvl_; // scratch per rank: directed NVLink link its stores leave by
    std::vector<LinkKind> kind_;          // per link
    std::vector<std::uint32_t> touched_;
};

inline std::uint32_t directed(const Hop& h) {
    return 2 * h.link + (h.up ? 0u : 1u);
}

} // namespace moetwin
