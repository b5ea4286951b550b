// SPDX-License-Identifier: Apache-2.0
// FlowSet::add(): route lookup into the shared hop array.
#include "sim/network/flow_set.hpp"

#include "common/errors.hpp"

#include <numeric>

namespace moetwin {

namespace {

Flow make_flow(RoutePolicy policy, int src, int dst, double bytes, int stage, int after) {
    Flow f;
    f.src    = src;
    f.dst    = dst;
    f.bytes  = bytes;
    f.stage  = std::uint8_t(stage);
    f.after  = after;
    f.policy = policy;
    return f;
}

} // namespace

void FlowSet::add(const Router& router, RoutePolicy policy, int src, int dst, double bytes, int stage, int after) {
    if (!(bytes > 0) || src == dst) return;
    MOETWIN_ASSERT(src >= 0 && dst >= 0 && src < num_ranks() && dst < num_ranks(), "rank out of range");
    MOETWIN_ASSERT(!shared_hops, "a FlowSet takes its routes from one Router or one RouteTable");
    Flow f      = make_flow(policy, src, dst, bytes, stage, after);
    f.hop_begin = std::uint32_t(hops.size());
    router.append(gpu_of_rank[std::size_t(src)], gpu_of_rank[std::size_t(dst)], policy, hops);
    f.hop_end = std::uint32_t(hops.size());
    flows.push_back(f);
}

void FlowSet::add(RouteTable& routes, RoutePolicy policy, int src, int dst, double bytes, int stage, int after) {
    if (!(bytes > 0) || src == dst) return;
    MOETWIN_ASSERT(src >= 0 && dst >= 0 && src < num_ranks() && dst < num_ranks(), "rank out of range");
    if (!shared_hops) {
        MOETWIN_ASSERT(hops.empty(), "a FlowSet takes its routes from one Router or one RouteTable");
        shared_hops = routes.store();
    }
    MOETWIN_ASSERT(shared_hops.get() == routes.store_ptr(), "a FlowSet takes its routes from one RouteTable");
    const RouteTable::Ref r = routes.ref(gpu_of_rank[std::size_t(src)], gpu_of_rank[std::size_t(dst)], policy);
    Flow f                  = make_flow(policy, src, dst, bytes, stage, after);
    f.hop_begin             = r.begin;
    f.hop_end               = r.begin + r.length;
    flows.push_back(f);
}

double FlowSet::total_bytes() const {
    double b = 0;
    for (const Flow& f : flows)
        b += f.bytes;
    return b;
}

std::vector<int> first_gpus(int n) {
    std::vector<int> v(static_cast<std::size_t>(n));
    std::iota(v.begin(), v.end(), 0);
    return v;
}

} // namespace moetwin
