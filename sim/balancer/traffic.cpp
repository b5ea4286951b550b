// SPDX-License-Identifier: Apache-2.0
// Dispatch-receive tokens and IB bytes of a placement on a token sample.
#include "sim/balancer/traffic.hpp"

#include "common/errors.hpp"

#include <algorithm>
#include <ostream>
#include <string>

namespace moetwin::balancer {

void TrafficSpec::validate() const {
    if (!(dispatch_bytes_per_token >= 0 && combine_bytes_per_token >= 0))
        throw ConfigError("traffic: bytes per token must be ≥ 0");
}

std::ostream& operator<<(std::ostream& os, const TrafficSpec& t) {
    return os << "TrafficSpec{dispatch_bytes_per_token=" << t.dispatch_bytes_per_token
              << ", combine_bytes_per_token=" << t.combine_bytes_per_token << "}";
}

TrafficSummary measure_traffic(const Placement& p, const PlacementSpec& spec, const TokenSample& sample,
                               DispatchFn dispatch, const TrafficSpec& bytes) {
    bytes.validate();
    if (sample.num_layers != p.num_layers)
        throw ConfigError("traffic: the token sample has " + std::to_string(sample.num_layers) +
                          " layers, the placement " + std::to_string(p.num_layers));
    const int T = sample.num_tokens, K = sample.topk, G = spec.num_gpus;
    std::vector<int> source(T), slot(static_cast<std::size_t>(T) * K), recv(G), node_mark(spec.num_nodes, -1),
        gpu_mark(G, -1);
    std::vector<long long> pairs(G);
    for (int t = 0; t < T; ++t)
        source[t] = t % G;

    TrafficSummary out;
    for (int l = 0; l < p.num_layers; ++l) {
        DispatchInput in{&p, &spec, l, K, sample.layer(l), source};
        dispatch(in, slot);
        std::fill(recv.begin(), recv.end(), 0);
        std::fill(pairs.begin(), pairs.end(), 0);
        std::fill(node_mark.begin(), node_mark.end(), -1);
        std::fill(gpu_mark.begin(), gpu_mark.end(), -1);
        LayerTraffic lt;
        for (int t = 0; t < T; ++t) {
            const int src_node = spec.node_of_gpu(source[t]);
            for (int k = 0; k < K; ++k) {
                const int s = slot[static_cast<std::size_t>(t) * K + k];
                MOETWIN_ASSERT(p.slots(l)[s] == sample.layer(l)[static_cast<std::size_t>(t) * K + k],
                               "dispatch chose a slot that does not hold the expert");
                const int gpu = spec.gpu_of_slot(s), node = spec.node_of_gpu(gpu);
                ++pairs[gpu];
                if (gpu_mark[gpu] != t) gpu_mark[gpu] = t, ++recv[gpu];
                if (node != src_node && node_mark[node] != t) node_mark[node] = t, ++lt.ib_transfers;
            }
        }
        lt.max_recv_tokens = *std::max_element(recv.begin(), recv.end());
        lt.max_pairs       = *std::max_element(pairs.begin(), pairs.end());
        long long recv_sum = 0, pair_sum = 0;
        for (int g = 0; g < G; ++g)
            recv_sum += recv[g], pair_sum += pairs[g];
        lt.mean_recv_tokens = static_cast<double>(recv_sum) / G;
        lt.mean_pairs       = static_cast<double>(pair_sum) / G;
        out.mean_max_recv_tokens += lt.max_recv_tokens;
        out.worst_max_recv_tokens = std::max(out.worst_max_recv_tokens, lt.max_recv_tokens);
        out.mean_pair_ratio += lt.max_pairs / lt.mean_pairs;
        out.remote_nodes_per_token += static_cast<double>(lt.ib_transfers) / T;
        lt.recv_tokens_per_gpu = recv;
        lt.pairs_per_gpu       = pairs;
        out.layers.push_back(std::move(lt));
    }
    const double L = std::max(1, p.num_layers);
    out.mean_max_recv_tokens /= L;
    out.mean_pair_ratio /= L;
    out.remote_nodes_per_token /= L;
    out.ib_bytes_per_token =
        out.remote_nodes_per_token * (bytes.dispatch_bytes_per_token + bytes.combine_bytes_per_token);
    return out;
}

} // namespace moetwin::balancer
