// SPDX-License-Identifier: Apache-2.0
// comm_timeline(): flow arrows from the routing, link counters from the backend's per-link drain intervals.
#include "sim/step/step_comm_timeline.hpp"

#include <algorithm>
#include <cmath>
#include <map>

namespace moetwin::step {
namespace {

// The receivers (other GPUs) of one sender with the most tokens, at most kFlowsPerSender, by GPU.
// `tokens_to(d)` is what the sender sends GPU d.
template <class TokensTo>
void add_flows(std::vector<CommFlow>& out, int sender, int num_gpus, int layer, int mb, bool combine,
               TokensTo tokens_to) {
    std::vector<std::pair<int64_t, int>> cand; // (tokens, receiver)
    for (int d = 0; d < num_gpus; ++d)
        if (d != sender && tokens_to(d) > 0) cand.push_back({tokens_to(d), d});
    const std::size_t k = std::min(cand.size(), std::size_t(kFlowsPerSender));
    std::partial_sort(cand.begin(), cand.begin() + std::ptrdiff_t(k), cand.end(), [](const auto& a, const auto& b) {
        return a.first != b.first ? a.first > b.first : a.second < b.second;
    });
    cand.resize(k);
    std::sort(cand.begin(), cand.end(), [](const auto& a, const auto& b) { return a.second < b.second; });
    for (const auto& [tokens, d] : cand)
        out.push_back({sender, d, int16_t(layer), int8_t(mb), combine, tokens});
}

struct Interval {
    double begin_s, end_s, Bps;
};

// Piecewise-constant sum of the intervals' rates, as samples at ns (the trace's resolution): a segment
// narrower than 1 ns after rounding gives way to the next one; the last sample is 0.
std::vector<RateSample> sweep(std::vector<Interval> iv, double capacity_Bps, int64_t step_time_ns) {
    std::sort(iv.begin(), iv.end(), [](const Interval& a, const Interval& b) {
        return a.begin_s != b.begin_s ? a.begin_s < b.begin_s : a.end_s < b.end_s;
    });
    std::vector<double> times;
    for (const Interval& i : iv)
        times.push_back(i.begin_s), times.push_back(i.end_s);
    std::sort(times.begin(), times.end());
    times.erase(std::unique(times.begin(), times.end()), times.end());
    std::vector<RateSample> out;
    std::vector<const Interval*> active;
    std::size_t next = 0;
    for (double t : times) {
        std::erase_if(active, [&](const Interval* i) { return i->end_s <= t; });
        for (; next < iv.size() && iv[next].begin_s <= t; ++next)
            active.push_back(&iv[next]);
        double Bps = 0; // summed afresh each segment: no drift from adding and removing rates
        for (const Interval* i : active)
            Bps += i->Bps;
        Bps                = std::min(Bps, capacity_Bps); // floating-point noise only: slots never overlap
        const int64_t t_ns = std::min<int64_t>(std::llround(t * 1e9), step_time_ns);
        if (!out.empty() && out.back().t_ns >= t_ns) {
            out.back().Bps = Bps; // the previous segment was under 1 ns wide
            if (out.size() >= 2 && out[out.size() - 2].Bps == Bps) out.pop_back();
        } else if (out.empty() ? Bps > 0 : out.back().Bps != Bps) {
            out.push_back({t_ns, Bps});
        }
    }
    return out;
}

} // namespace

CommTimeline comm_timeline(const StepPlan& plan, const StepTrace& trace, const Topology& topo, int num_nodes,
                           int64_t step_time_ns) {
    CommTimeline tl;
    const int n = plan.num_gpus;
    for (int L = plan.num_dense; L < plan.num_layers(); ++L)
        for (int m = 0; m < plan.micro_batches; ++m) {
            const TrafficMatrix& t = plan.route(L, m).traffic;
            for (int s = 0; s < n; ++s)
                add_flows(tl.flows, s, n, L, m, false, [&](int d) { return t.tokens_at(s, d); });
            for (int g = 0; g < n; ++g)
                add_flows(tl.flows, g, n, L, m, true, [&](int s) { return t.tokens_at(s, g); });
        }

    // Counter groups: (node, 0 = "nvlink out" | 1 = "ib out") of a directed link, -1 for the others.
    auto group_of = [&](std::uint32_t dl) -> std::pair<int, int> {
        const Link& link = topo.link(LinkId(dl / 2));
        if (dl % 2 != 0 || (link.kind != LinkKind::NvLink && link.kind != LinkKind::IbAccess)) return {-1, -1};
        const Device& lower = topo.device(topo.ends(LinkId(dl / 2)).lower); // "up" leaves the GPU / the NIC
        if (lower.node < 0 || lower.node >= num_nodes) return {-1, -1};
        return {lower.node, link.kind == LinkKind::NvLink ? 0 : 1};
    };
    struct Group {
        double capacity_Bps = 0, scale = 1, bytes = 0;
        std::vector<Interval> intervals;
    };
    std::map<std::pair<int, int>, Group> groups;
    for (LinkId id = 0; id < topo.num_links(); ++id) {
        const auto key = group_of(2 * id);
        if (key.first >= 0) groups[key].capacity_Bps += effective_bandwidth_Bps(topo.link(id), trace.calibration);
    }
    for (const LinkLoad& l : trace.link_busy) {
        const auto key = group_of(l.directed_link);
        if (key.first < 0 || l.bytes <= 0) continue;
        Group& g = groups.at(key);
        g.bytes += l.bytes;
        if (!(l.end_s > l.begin_s)) continue; // bytes drained in no time: impossible at a finite capacity
        const double Bps = l.bytes / (l.end_s - l.begin_s);
        g.scale =
            std::max(g.scale, Bps / effective_bandwidth_Bps(topo.link(LinkId(l.directed_link / 2)), trace.calibration));
        g.intervals.push_back({l.begin_s, l.end_s, Bps});
    }
    if (trace.link_busy.empty()) return tl; // the backend reported no per-link timing
    for (auto& [key, g] : groups) {
        if (g.intervals.empty()) continue; // no traffic on the group (one node: no IB), no track
        LinkCounter c;
        c.node         = key.first;
        c.group        = key.second == 0 ? "nvlink out" : "ib out";
        c.capacity_Bps = g.capacity_Bps * g.scale;
        c.bytes        = std::llround(g.bytes);
        c.samples      = sweep(std::move(g.intervals), c.capacity_Bps, step_time_ns);
        tl.counters.push_back(std::move(c));
    }
    return tl;
}

} // namespace moetwin::step
