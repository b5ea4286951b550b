// SPDX-License-Identifier: Apache-2.0
// RouteTable: a Router's routes memoised per (policy, source GPU, destination GPU). An all-to-all
// step asks for the same GPU pairs in every phase (EP144 decode: 20,592 pairs x 232 phases), so
// each route is computed once and then copied as a contiguous hop range.
#pragma once

#include "topologies/routing.hpp"

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace moetwin {

class RouteTable {
  public:
    explicit RouteTable(const Router& router) : router_(&router) {}

    // A route as a range of store(): [begin, begin + length).
    struct Ref {
        std::uint32_t begin = 0, length = 0;
    };
    // Contract: src_gpu, dst_gpu in [0, num_gpus). The same hops as Router::append.
    Ref ref(int src_gpu, int dst_gpu, RoutePolicy policy) {
        auto& index = index_[std::size_t(policy)];
        if (index.empty()) index.assign(std::size_t(n()) * std::size_t(n()), kUnknown);
        std::uint64_t& at = index[std::size_t(src_gpu) * std::size_t(n()) + std::size_t(dst_gpu)];
        if (at == kUnknown) at = fill(src_gpu, dst_gpu, policy);
        return {std::uint32_t(at >> 8), std::uint32_t(at & 0xff)};
    }
    // The hops of ref(); valid until the next ref() or route() call (the store may grow).
    std::span<const Hop> route(int src_gpu, int dst_gpu, RoutePolicy policy) {
        const Ref r = ref(src_gpu, dst_gpu, policy);
        return {hops_->data() + r.begin, r.length};
    }
    // Every route's hops; shared so that FlowSets can index it instead of copying routes. It only
    // grows: offsets stay valid.
    std::shared_ptr<const std::vector<Hop>> store() const { return hops_; }
    const std::vector<Hop>* store_ptr() const { return hops_.get(); } // identity, without a refcount
    const Router& router() const { return *router_; }

  private:
    static constexpr std::uint64_t kUnknown = ~std::uint64_t(0);
    int n() const { return router_->topology().num_gpus(); }
    std::uint64_t fill(int src_gpu, int dst_gpu, RoutePolicy policy); // (offset << 8) | length

    const Router* router_;
    std::array<std::vector<std::uint64_t>, 2> index_; // per policy: [src * n + dst] -> packed range
    std::shared_ptr<std::vector<Hop>> hops_ = std::make_shared<std::vector<Hop>>();
};

} // namespace moetwin
