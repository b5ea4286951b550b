// SPDX-License-Identifier: Apache-2.0
// FluidNetwork::solve(): link loads -> link drain ends -> flow ends -> per-rank completion.
#include "sim/network/fluid_model.hpp"

#include "common/errors.hpp"

#include <algorithm>
#include <limits>

namespace moetwin {
namespace {
constexpr double kNever         = std::numeric_limits<double>::infinity();
constexpr std::uint32_t kNoLink = std::numeric_limits<std::uint32_t>::max();
} // namespace

double PhaseTiming::end_s() const {
    double e = start_s;
    for (double t : send_done_s)
        e = std::max(e, t);
    for (double t : recv_done_s)
        e = std::max(e, t);
    return e;
}

FluidNetwork::FluidNetwork(const Topology& topo, const NetworkCalibration& calib) {
    calib.validate();
    const std::size_t n = topo.num_links();
    capacity_Bps_.resize(2 * n);
    latency_s_.resize(n);
    kind_.resize(n);
    for (LinkId id = 0; id < n; ++id) {
        const double c        = effective_bandwidth_Bps(topo.link(id), calib);
        capacity_Bps_[2 * id] = capacity_Bps_[2 * id + 1] = c;
        latency_s_[id]                                    = topo.link(id).latency_s;
        kind_[id]                                         = topo.link(id).kind;
    }
    busy_until_s_.assign(2 * n, 0);
    bytes_.assign(2 * n, 0);
    end_s_.assign(2 * n, 0);
    issue_s_.assign(2 * n, 0);
    begin_s_.assign(2 * n, kNever);
    qp_chunks_.assign(2 * n, 0);
    qps_.assign(2 * n, 0);
}

void FluidNetwork::reset_calendar() {
    std::fill(busy_until_s_.begin(), busy_until_s_.end(), 0);
}

PhaseTiming FluidNetwork::solve(const FlowSet& fs, double start_s, const FluidOptions& opt,
                                std::vector<LinkLoad>* loads) {
    const int ranks = fs.num_ranks();
    PhaseTiming t;
    t.start_s = start_s;
    t.send_done_s.assign(std::size_t(ranks), start_s);
    t.recv_done_s.assign(std::size_t(ranks), start_s);
    const double t0 = start_s + opt.overhead_s;

    touched_.clear();
    const bool gated = opt.rdma_after_nvlink > 0;
    if (gated) rank_nvl_.assign(std::size_t(ranks), kNoLink);
    // Pass 1: bytes, message issue and QP stalls per directed link; ungated flows start at t0.
    for (const Flow& f : fs.flows) {
        const auto route = fs.route_of(f);
        if (route.empty()) continue;
        const bool waits = gated && f.after_sender_nvlink;
        for (const Hop& hop : route) {
            const std::uint32_t dl = directed(hop);
            if (bytes_[dl] == 0) touched_.push_back(dl);
            bytes_[dl] += f.bytes;
            if (!waits) begin_s_[dl] = std::min(begin_s_[dl], t0);
        }
        const bool first_nvlink = kind_[route.front().link] == LinkKind::NvLink;
        if (f.messages > 0 && opt.nvlink_message_s > 0 && first_nvlink)
            issue_s_[directed(route.front())] += f.messages * opt.nvlink_message_s;
        if (gated && first_nvlink) rank_nvl_[std::size_t(f.src)] = directed(route.front());
        if (f.messages > 0 && opt.qp_chunk_stall_s > 0)
            for (const Hop& hop : route)
                if (kind_[hop.link] == LinkKind::IbAccess && hop.up) { // the sender's NIC: where its QPs are
                    qp_chunks_[directed(hop)] += f.messages;
                    qps_[directed(hop)] += 1;
                    break;
                }
    }
    // Pass 2 (gated phases): each sender's RDMA starts once the given share of its NVLink stores
    // has drained (the NVLink link starts when the phase does or when it frees up).
    if (gated) {
        rank_start_s_.assign(std::size_t(ranks), t0);
        for (int r = 0; r < ranks; ++r) {
            const std::uint32_t dl = rank_nvl_[std::size_t(r)];
            if (dl == kNoLink) continue;
            const double drain            = bytes_[dl] / capacity_Bps_[dl] + issue_s_[dl];
            rank_start_s_[std::size_t(r)] = std::max(t0, busy_until_s_[dl]) + opt.rdma_after_nvlink * drain;
        }
        for (const Flow& f : fs.flows)
            if (f.after_sender_nvlink)
                for (const Hop& hop : fs.route_of(f))
                    begin_s_[directed(hop)] = std::min(begin_s_[directed(hop)], rank_start_s_[std::size_t(f.src)]);
    }
    for (std::uint32_t dl : touched_) {
        if (qps_[dl] > 0) issue_s_[dl] += opt.qp_chunk_stall_s * qp_chunks_[dl] / qps_[dl];
        const double begin = std::max(begin_s_[dl], busy_until_s_[dl]);
        end_s_[dl]         = begin + bytes_[dl] / (capacity_Bps_[dl] * opt.rate_share) + issue_s_[dl];
        busy_until_s_[dl]  = end_s_[dl];
        if (loads) loads->push_back({dl, bytes_[dl], begin, end_s_[dl]});
    }

    // Flow ends: stage 0 first, so relays can wait for the data they forward.
    std::vector<double> inbound_stage0(std::size_t(ranks), t0);
    auto flow_end = [&](const Flow& f) {
        double drained = t0, latency = 0;
        for (const Hop& hop : fs.route_of(f)) {
            drained = std::max(drained, end_s_[directed(hop)]);
            latency += latency_s_[hop.link];
        }
        double end = drained + latency;
        if (f.after >= 0) { // relays only: the slowest hop's time for one chunk
            double slowest = 0;
            for (const Hop& hop : fs.route_of(f))
                slowest = std::max(slowest, 1.0 / (capacity_Bps_[directed(hop)] * opt.rate_share));
            end = std::max(end, inbound_stage0[std::size_t(f.after)] + latency + opt.chunk_bytes * slowest);
        }
        return end;
    };
    for (int stage = 0; stage < 2; ++stage)
        for (const Flow& f : fs.flows) {
            if (f.stage != stage) continue;
            const double end = flow_end(f);
            auto& s          = t.send_done_s[std::size_t(f.src)];
            auto& r          = t.recv_done_s[std::size_t(f.dst)];
            s                = std::max(s, end);
            r                = std::max(r, end);
            if (stage == 0) inbound_stage0[std::size_t(f.dst)] = std::max(inbound_stage0[std::size_t(f.dst)], end);
        }
    for (std::uint32_t dl : touched_) {
        bytes_[dl] = issue_s_[dl] = qp_chunks_[dl] = 0;
        qps_[dl]                                   = 0;
        begin_s_[dl]                               = kNever;
    }
    return t;
}

} // namespace moetwin
