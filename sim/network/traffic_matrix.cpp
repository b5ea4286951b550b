// SPDX-License-Identifier: Apache-2.0
// TrafficMatrix: construction, per-token accumulation with deduplication, checks.
#include "sim/network/traffic_matrix.hpp"

#include "common/errors.hpp"

#include <algorithm>
#include <numeric>
#include <string>

namespace moetwin {

TrafficMatrix::TrafficMatrix(int n, int per_node) : num_gpus(n), gpus_per_node(per_node) {
    if (n < 1 || per_node < 1) throw ConfigError("traffic matrix: need >= 1 GPU and >= 1 GPU per node");
    const std::size_t nn = std::size_t(n);
    selections.assign(nn * nn, 0);
    tokens.assign(nn * nn, 0);
    node_tokens.assign(nn * std::size_t(num_nodes()), 0);
}

void TrafficMatrix::add_token(int src, std::span<const int> dst_gpus) {
    MOETWIN_ASSERT(src >= 0 && src < num_gpus, "source rank out of range");
    // k is small (8 or 9): quadratic dedup beats any set.
    int seen_gpu[64], seen_node[64];
    int num_gpu = 0, num_node = 0;
    MOETWIN_ASSERT(dst_gpus.size() <= 64, "at most 64 selections per token");
    for (int d : dst_gpus) {
        if (d < 0) continue;
        MOETWIN_ASSERT(d < num_gpus, "destination rank out of range");
        ++selections_at(src, d);
        if (std::find(seen_gpu, seen_gpu + num_gpu, d) == seen_gpu + num_gpu) {
            seen_gpu[num_gpu++] = d;
            ++tokens_at(src, d);
        }
        const int m = node_of(d);
        if (std::find(seen_node, seen_node + num_node, m) == seen_node + num_node) {
            seen_node[num_node++] = m;
            ++node_tokens_at(src, m);
        }
    }
}

std::int64_t TrafficMatrix::total_selections() const {
    return std::accumulate(selections.begin(), selections.end(), std::int64_t{0});
}

void TrafficMatrix::validate() const {
    const std::size_t nn = std::size_t(num_gpus);
    if (num_gpus < 1 || gpus_per_node < 1) throw ConfigError("traffic matrix: need >= 1 GPU and >= 1 GPU per node");
    if (selections.size() != nn * nn || tokens.size() != nn * nn || node_tokens.size() != nn * std::size_t(num_nodes()))
        throw ConfigError("traffic matrix: sizes do not match " + std::to_string(num_gpus) + " GPUs");
    for (int s = 0; s < num_gpus; ++s)
        for (int d = 0; d < num_gpus; ++d) {
            if (tokens_at(s, d) < 0 || tokens_at(s, d) > selections_at(s, d))
                throw ConfigError("traffic matrix: tokens[" + std::to_string(s) + "][" + std::to_string(d) +
                                  "] must lie in [0, selections]");
            if (tokens_at(s, d) > node_tokens_at(s, node_of(d)))
                throw ConfigError("traffic matrix: tokens to GPU " + std::to_string(d) + " exceed tokens to its node");
        }
}

TrafficMatrix uniform_traffic(int num_gpus, int gpus_per_node, std::int64_t per_pair) {
    TrafficMatrix t(num_gpus, gpus_per_node);
    for (int s = 0; s < num_gpus; ++s)
        for (int d = 0; d < num_gpus; ++d) {
            if (s == d) continue;
            t.selections_at(s, d) = per_pair;
            t.tokens_at(s, d)     = per_pair;
            t.node_tokens_at(s, t.node_of(d)) += per_pair;
        }
    return t;
}

} // namespace moetwin
