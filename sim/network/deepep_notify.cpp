// SPDX-License-Identifier: Apache-2.0
// notify_dispatch_cost(): layout kernel bytes and latency rounds from the topology.
#include "sim/network/deepep_notify.hpp"

#include "common/errors.hpp"

#include <algorithm>
#include <vector>

namespace moetwin {

NotifyCost notify_dispatch_cost(const Router& router, int num_gpus, double tokens_per_rank, int num_topk,
                                double hbm_Bps) {
    MOETWIN_ASSERT(hbm_Bps > 0 && num_gpus > 0, "notify cost needs GPUs and HBM bandwidth");
    const Topology& topo = router.topology();
    double nvl_s = 0, rdma_s = 0, pcie_s = 0;
    std::vector<Hop> hops;
    for (int g = 1; g < num_gpus; ++g) {
        const bool same_node = router.node_of(g) == router.node_of(0);
        hops.clear();
        router.append(0, g, same_node ? RoutePolicy::NvlinkFirst : RoutePolicy::RdmaOnly, hops);
        double lat = 0;
        for (const Hop& h : hops)
            lat += topo.link(h.link).latency_s;
        (same_node ? nvl_s : rdma_s) = std::max(same_node ? nvl_s : rdma_s, lat);
    }
    const DeviceId g0 = topo.gpu(0);
    for (LinkId id = 0; id < topo.num_links(); ++id) // GPU 0's PCIe link: the hop to host memory
        if (topo.link(id).kind == LinkKind::Pcie && (topo.ends(id).lower == g0 || topo.ends(id).upper == g0)) {
            pcie_s = topo.link(id).latency_s;
            break;
        }
    NotifyCost c;
    // Read topk_idx (int64), write is_token_in_rank (bool per rank) and the count arrays (small).
    const double bytes = tokens_per_rank * (num_topk * 8.0 + num_gpus * 1.0);
    c.layout_s         = bytes / hbm_Bps;
    c.exchange_s       = 2 * nvl_s + 2 * rdma_s + 2 * pcie_s;
    return c;
}

} // namespace moetwin
