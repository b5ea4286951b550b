// SPDX-License-Identifier: Apache-2.0
// RouteTable::fill(): one route appended to the hop store.
#include "topologies/route_table.hpp"

#include "common/errors.hpp"

namespace moetwin {

std::uint64_t RouteTable::fill(int src_gpu, int dst_gpu, RoutePolicy policy) {
    MOETWIN_ASSERT(src_gpu >= 0 && dst_gpu >= 0 && src_gpu < n() && dst_gpu < n(), "GPU out of range");
    const std::size_t begin = hops_->size();
    router_->append(src_gpu, dst_gpu, policy, *hops_);
    const std::size_t len = hops_->size() - begin;
    MOETWIN_ASSERT(begin + len < (std::size_t(1) << 32), "route store beyond 2^32 hops");
    MOETWIN_ASSERT(len < 256, "route longer than 255 hops");
    return std::uint64_t(begin) << 8 | std::uint64_t(len);
}

} // namespace moetwin
