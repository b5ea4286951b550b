// SPDX-License-Identifier: Apache-2.0
// TrafficMatrix: what one all-to-all phase must move, as counts per source GPU x destination,
// before any byte size is applied. Plain data; the step simulator fills one per layer and phase.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace moetwin {

// Ranks are EP ranks 0..num_gpus-1; rank r sits on node r / gpus_per_node (DeepEP's layout).
// Three views of the same token -> expert selections, because DeepEP's two modes count differently:
//  - selections[s][d]: (token, expert) pairs of s whose expert is on GPU d. Low-latency mode sends
//    one message per selection (7,408 B FP8 dispatch, 14,336 B BF16 combine).
//  - tokens[s][d]: tokens of s with at least one selected expert on d (deduplicated per GPU):
//    normal mode's NVLink hop carries each token once per destination GPU.
//  - node_tokens[s][m]: tokens of s with at least one selected expert on node m (deduplicated per
//    node): normal mode's RDMA hop carries each token once per destination node.
struct TrafficMatrix {
    int num_gpus      = 0;
    int gpus_per_node = 8;
    std::vector<std::int64_t> selections;  // [num_gpus][num_gpus]
    std::vector<std::int64_t> tokens;      // [num_gpus][num_gpus]
    std::vector<std::int64_t> node_tokens; // [num_gpus][num_nodes()]

    TrafficMatrix() = default;
    TrafficMatrix(int num_gpus, int gpus_per_node);

    int num_nodes() const { return (num_gpus + gpus_per_node - 1) / gpus_per_node; }
    int node_of(int gpu) const { return gpu / gpus_per_node; }
    std::int64_t& selections_at(int s, int d) {
        return selections[std::size_t(s) * std::size_t(num_gpus) + std::size_t(d)];
    }
    std::int64_t selections_at(int s, int d) const {
        return selections[std::size_t(s) * std::size_t(num_gpus) + std::size_t(d)];
    }
    std::int64_t& tokens_at(int s, int d) { return tokens[std::size_t(s) * std::size_t(num_gpus) + std::size_t(d)]; }
    std::int64_t tokens_at(int s, int d) const {
        return tokens[std::size_t(s) * std::size_t(num_gpus) + std::size_t(d)];
    }
    std::int64_t& node_tokens_at(int s, int m) {
        return node_tokens[std::size_t(s) * std::size_t(num_nodes()) + std::size_t(m)];
    }
    std::int64_t node_tokens_at(int s, int m) const {
        return node_tokens[std::size_t(s) * std::size_t(num_nodes()) + std::size_t(m)];
    }

    // Records one token of `src` whose selected experts live on `dst_gpus` (one entry per
    // selection, duplicates allowed, negative entries = masked selections, ignored).
    void add_token(int src, std::span<const int> dst_gpus);

    std::int64_t total_selections() const;
    // Throws ConfigError if sizes disagree or counts are inconsistent (tokens > selections, ...).
    void validate() const;
};

// Every GPU sends `selections_per_pair` selections, one token each, to every other GPU
// (tokens == selections; node_tokens = selections x GPUs on the node). For tests and benches.
TrafficMatrix uniform_traffic(int num_gpus, int gpus_per_node, std::int64_t selections_per_pair);

} // namespace moetwin
