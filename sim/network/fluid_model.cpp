// SPDX-License-Identifier: Apache-2.0
// FluidNetwork::solve(): link loads -> link drain ends -> flow ends -> per-rank completion.
#include "sim/network/fluid_model.hpp"

#include "common/errors.hpp"

#include <algorithm>

namespace moetwin {

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
    nvlink_.resize(n);
    for (LinkId id = 0; id < n; ++id) {
        const double c        = effective_bandwidth_Bps(topo.link(id), calib);
        capacity_Bps_[2 * id] = capacity_Bps_[2 * id + 1] = c;
        latency_s_[id]                                    = topo.link(id).latency_s;
        nvlink_[id]                                       = topo.link(id).kind == LinkKind::NvLink;
    }
    busy_until_s_.assign(2 * n, 0);
    bytes_.assign(2 * n, 0);
    end_s_.assign(2 * n, 0);
    issue_s_.assign(2 * n, 0);
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
    for (const Flow& f : fs.flows) {
        const auto route = fs.route_of(f);
        for (const Hop& hop : route) {
            const std::uint32_t dl = directed(hop);
            if (bytes_[dl] == 0) touched_.push_back(dl);
            bytes_[dl] += f.bytes;
        }
        if (f.messages > 0 && opt.nvlink_message_s > 0 && !route.empty() && nvlink_[route.front().link])
            issue_s_[directed(route.front())] += f.messages * opt.nvlink_message_s;
    }
    for (std::uint32_t dl : touched_) {
        const double begin = std::max(t0, busy_until_s_[dl]);
        end_s_[dl]         = begin + bytes_[dl] / (capacity_Bps_[dl] * opt.rate_share) + issue_s_[dl];
        busy_until_s_[dl]  = end_s_[dl];
        if (loads) loads->push_back({dl, bytes_[dl]});
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
    for (std::uint32_t dl : touched_)
        bytes_[dl] = issue_s_[dl] = 0;
    return t;
}

} // namespace moetwin
