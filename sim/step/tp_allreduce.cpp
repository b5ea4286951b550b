// SPDX-License-Identifier: Apache-2.0
// The TP all-reduce as a ring of flows over the fabric (tp_allreduce.hpp).
#include "sim/step/tp_allreduce.hpp"

#include <algorithm>

namespace moetwin::step {

double tp_allreduce_bytes(int64_t tokens, int64_t hidden) {
    return double(std::max<int64_t>(0, tokens)) * double(hidden) * kTpActivationBytes;
}

FlowSet ring_allreduce_flows(const Router& router, std::span<const int> gpus, double bytes) {
    FlowSet fs;
    fs.gpu_of_rank.assign(gpus.begin(), gpus.end());
    const int n = int(gpus.size());
    if (n < 2 || !(bytes > 0)) return fs;
    const double per_gpu = 2.0 * double(n - 1) / double(n) * bytes; // reduce-scatter + all-gather
    for (int r = 0; r < n; ++r)
        fs.add(router, RoutePolicy::NvlinkFirst, r, (r + 1) % n, per_gpu);
    return fs;
}

PhaseOptions ring_allreduce_options(const FlowSet& ring, const Topology& topo) {
    double hop_latency_s = 0; // the slowest ring hop's route latency
    for (const Flow& f : ring.flows) {
        double l = 0;
        for (const Hop& h : ring.route_of(f))
            l += topo.link(h.link).latency_s;
        hop_latency_s = std::max(hop_latency_s, l);
    }
    PhaseOptions o;
    const int n      = ring.num_ranks();
    o.overhead_s     = n >= 2 ? double(2 * (n - 1) - 1) * hop_latency_s : 0.0;
    o.wait_for_sends = true;
    return o;
}

double ring_allreduce_s(int n, double bytes, double bandwidth_Bps, double step_latency_s) {
    if (n < 2) return 0;
    return 2.0 * double(n - 1) * step_latency_s + 2.0 * double(n - 1) / double(n) * bytes / bandwidth_Bps;
}

} // namespace moetwin::step
