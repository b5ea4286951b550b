// SPDX-License-Identifier: Apache-2.0
// DeepEP message sizes and the flows of its normal and low-latency patterns.
#include "sim/network/deepep.hpp"

#include "common/deepep_bytes.hpp"
#include "common/errors.hpp"

#include <algorithm>

namespace moetwin {
namespace {

void build_normal(const TrafficMatrix& t, RouteTable& router, const DeepEpOptions& o, FlowSet& fs) {
    const int n = t.num_gpus, per_node = t.gpus_per_node, nodes = t.num_nodes();
    const double rdma   = double(rdma_token_bytes(o.shape, o.direction));
    const double nvl    = double(nvl_token_bytes(o.shape, o.direction));
    const bool dispatch = o.direction == CommDirection::Dispatch;
    auto forwarder      = [&](int src, int node) { return node * per_node + src % per_node; };
    const std::int64_t chunk =
        o.rdma_chunk_tokens > 0 ? o.rdma_chunk_tokens : deepep_rdma_chunk_tokens(t.num_gpus, o.direction);
    // RDMA hop: src -> forwarder on each other node (dispatch), reversed for combine.
    for (int s = 0; s < n; ++s)
        for (int m = 0; m < nodes; ++m) {
            const std::int64_t k = t.node_tokens_at(s, m);
            const int f          = forwarder(s, m);
            if (k == 0 || m == t.node_of(s) || f >= n) continue;
            if (dispatch)
                fs.add(router, RoutePolicy::NvlinkFirst, s, f, double(k) * rdma, 0);
            else
                fs.add(router, RoutePolicy::NvlinkFirst, f, s, double(k) * rdma, 1, f);
            fs.flows.back().messages = std::uint16_t(std::min<std::int64_t>((k + chunk - 1) / chunk, 65535));
        }
    // NVLink hop: forwarder <-> destination GPU inside the destination node.
    std::vector<double> merged;
    if (o.granularity == FlowGranularity::Aggregated) merged.assign(std::size_t(n) * std::size_t(n), 0);
    for (int s = 0; s < n; ++s)
        for (int d = 0; d < n; ++d) {
            const std::int64_t k = t.tokens_at(s, d);
            const int f          = forwarder(s, t.node_of(d));
            if (k == 0 || d == f) continue; // d == f: the forwarder keeps its own copy
            const bool relayed = t.node_of(d) != t.node_of(s);
            if (!merged.empty())
                merged[std::size_t(f) * std::size_t(n) + std::size_t(d)] += double(k) * nvl;
            else if (dispatch)
                fs.add(router, RoutePolicy::NvlinkFirst, f, d, double(k) * nvl, 1, relayed ? f : -1);
            else
                fs.add(router, RoutePolicy::NvlinkFirst, d, f, double(k) * nvl, 0);
        }
    if (merged.empty()) return;
    for (int f = 0; f < n; ++f)
        for (int d = 0; d < n; ++d) {
            const double b = merged[std::size_t(f) * std::size_t(n) + std::size_t(d)];
            if (b == 0) continue;
            if (dispatch)
                fs.add(router, RoutePolicy::NvlinkFirst, f, d, b, 1, nodes > 1 ? f : -1);
            else
                fs.add(router, RoutePolicy::NvlinkFirst, d, f, b, 0);
        }
}

void build_low_latency(const TrafficMatrix& t, RouteTable& router, const DeepEpOptions& o, FlowSet& fs) {
    const bool dispatch = o.direction == CommDirection::Dispatch;
    const double per_sel =
        double(dispatch ? ll_dispatch_bytes_per_selection(o.shape) : ll_combine_bytes_per_selection(o.shape));
    // One flow per pair (reserved, to avoid regrowing per phase); routes are indexed, not copied.
    std::size_t pairs = 0;
    for (int s = 0; s < t.num_gpus; ++s)
        for (int d = 0; d < t.num_gpus; ++d)
            pairs += t.selections_at(s, d) != 0 && s != d;
    fs.flows.reserve(fs.flows.size() + pairs);
    for (int s = 0; s < t.num_gpus; ++s)
        for (int d = 0; d < t.num_gpus; ++d) {
            const std::int64_t k = t.selections_at(s, d);
            if (k == 0 || s == d) continue; // own experts: a local copy
            if (dispatch)
                fs.add(router, o.ll_policy, s, d, double(k) * per_sel);
            else
                fs.add(router, o.ll_policy, d, s, double(k) * per_sel);
            Flow& f    = fs.flows.back();
            f.messages = std::uint16_t(std::min<std::int64_t>(k, 65535)); // <= 256 tokens x top-k
            // Dispatch over NVLink and RDMA: the warps that store a token's NVLink messages also post
            // its RDMA ones, token after token (FluidOptions::rdma_after_nvlink).
            f.after_sender_nvlink = dispatch && o.ll_policy == RoutePolicy::NvlinkFirst && t.node_of(s) != t.node_of(d);
        }
}

} // namespace

int deepep_rdma_chunk_tokens(int ep, CommDirection dir) {
    struct Entry {
        int ep, dispatch, combine;
    };
    // deep_ep/buffer.py at ebfe47e: get_dispatch_config / get_combine_config (rdma_send column).
    constexpr Entry kRecommended[] = {{16, 20, 28},  {24, 32, 20}, {32, 32, 20}, {64, 28, 20},
                                      {128, 32, 12}, {144, 12, 8}, {160, 12, 8}};
    const Entry* e                 = &kRecommended[0];
    for (const Entry& x : kRecommended)
        if (x.ep <= ep) e = &x;
    return dir == CommDirection::Dispatch ? e->dispatch : e->combine;
}

// The formulas live in common/deepep_bytes.hpp; these read them for a DeepEpShape.
std::int64_t ll_dispatch_bytes_per_selection(const DeepEpShape& s) {
    return deepep_bytes::ll_dispatch_bytes_per_selection(s.hidden, s.fp8_dispatch);
}
std::int64_t ll_combine_bytes_per_selection(const DeepEpShape& s) {
    return deepep_bytes::ll_combine_bytes_per_selection(s.hidden);
}
std::int64_t rdma_token_bytes(const DeepEpShape& s, CommDirection dir) {
    return deepep_bytes::normal_rdma_bytes_per_token(s.hidden, s.num_topk, dir == CommDirection::Dispatch,
                                                     s.fp8_dispatch);
}
std::int64_t nvl_token_bytes(const DeepEpShape& s, CommDirection dir) {
    return deepep_bytes::normal_nvl_bytes_per_token(s.hidden, s.num_topk, dir == CommDirection::Dispatch,
                                                    s.fp8_dispatch);
}
double normal_metric_bytes_per_token(const DeepEpShape& s, CommDirection dir) {
    return deepep_bytes::normal_metric_bytes_per_token(s.hidden, dir == CommDirection::Dispatch, s.fp8_dispatch);
}

FlowSet build_deepep_flows(const TrafficMatrix& traffic, const Router& router, std::vector<int> gpu_of_rank,
                           const DeepEpOptions& opt) {
    RouteTable routes(router);
    return build_deepep_flows(traffic, routes, std::move(gpu_of_rank), opt);
}

FlowSet build_deepep_flows(const TrafficMatrix& traffic, RouteTable& routes, std::vector<int> gpu_of_rank,
                           const DeepEpOptions& opt, std::vector<Flow> storage) {
    const Router& router = routes.router();
    traffic.validate();
    if (int(gpu_of_rank.size()) != traffic.num_gpus)
        throw ConfigError("all-to-all: " + std::to_string(gpu_of_rank.size()) +
                          " GPUs mapped for a traffic matrix of " + std::to_string(traffic.num_gpus));
    for (int r = 0; r < traffic.num_gpus; ++r) {
        const int g = gpu_of_rank[std::size_t(r)];
        if (g < 0 || g >= router.topology().num_gpus())
            throw ConfigError("all-to-all: rank " + std::to_string(r) + " maps to missing GPU " + std::to_string(g));
        const int first = gpu_of_rank[std::size_t(r - r % traffic.gpus_per_node)];
        if (router.node_of(g) != router.node_of(first))
            throw ConfigError("all-to-all: ranks of one DeepEP node must share a node (rank " + std::to_string(r) +
                              ")");
    }
    FlowSet fs;
    fs.gpu_of_rank = std::move(gpu_of_rank);
    fs.flows       = std::move(storage);
    fs.flows.clear();
    if (opt.mode == DeepEpMode::Normal)
        build_normal(traffic, routes, opt, fs);
    else
        build_low_latency(traffic, routes, opt, fs);
    return fs;
}

} // namespace moetwin
