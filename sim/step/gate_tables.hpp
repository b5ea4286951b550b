// SPDX-License-Identifier: Apache-2.0
// GateTables: one layer's gate (the Plackett-Luce form of layer_routing.hpp) precomputed for
// route_layer's per-token loop: the set of topk_groups groups by one alias draw over all group
// subsets, then an expert of that set by one alias draw over the set's experts, or, for the node
// limit, an expert of one node of the set by that node's own alias table.
#pragma once

#include "common/rng.hpp"
#include "moe/gate.hpp"

#include <algorithm>
#include <cstdint>
#include <span>
#include <unordered_map>
#include <vector>

namespace moetwin::step {

// `keep` if frac < prob, else `other`, as a bitwise select: written as ?: the compiler emits a
// branch on random data; the select took prefill planning from 0.97 to 0.67 s (PERF.md).
inline int alias_select(double frac, double prob, int keep, int other) {
    const int mask = -int(frac < prob); // all ones or zero
    return other ^ ((keep ^ other) & mask);
}

// Walker alias table over n columns: one uniform draw picks column i with probability w[i] / sum(w).
struct AliasTable {
    std::vector<double> prob; // [n] keep probability of the column
    std::vector<int> alias;   // [n] column taken otherwise

    // Contract: w.size() >= 1, every w >= 0, sum > 0.
    void build(std::span<const double> w);
    int draw(Rng& rng) const {
        const int n    = int(prob.size());
        const double v = rng.uniform() * n;
        const int col  = std::min(n - 1, int(v));
        return alias_select(v - col, prob[std::size_t(col)], col, alias[std::size_t(col)]);
    }
};

// One column of an alias table with both outcomes as expert ids, packed so that a draw touches
// one cache line (separate prob / keep / alias arrays cost three L1 misses per draw).
struct AliasColumn {
    double prob; // keep probability
    int keep;    // expert of the column
    int other;   // expert of its alias
};
inline int draw_column(const AliasColumn* col, int n, Rng& rng) {
    const double v       = rng.uniform() * n;
    const int c          = std::min(n - 1, int(v));
    const AliasColumn& x = col[c];
    return alias_select(v - c, x.prob, x.keep, x.other);
}

// Ordered group sequences enumerated up to this count (8 groups, top-4: 1,680); beyond it the
// groups are drawn one by one (same distribution, topk_groups uniforms per token).
inline constexpr int64_t kMaxEnumeratedGroupSequences = 1 << 16;

class GateTables {
  public:
    // Contract: gate validated, w [num_experts] > 0, home [num_experts] in [0, num_nodes): each
    // expert's node. With enumerated subsets every subset's tables are built here; otherwise a
    // subset's on its first draw.
    GateTables(const GateSpec& gate, std::span<const double> w, std::span<const int> home, int num_nodes);
    // The same tables for new weights w [num_experts] > 0 (same gate and homes), rebuilt in place:
    // what depends on the homes only is kept, no allocation. Bit-identical to constructing with w.
    // For a load controller that moves the weights many times per layer (popularity_fit.hpp).
    void reweight(std::span<const double> w);

    // A set of topk_groups groups, drawn without replacement proportional to group weight. Inline
    // (one alias draw) when the sets are enumerated; the caller's Rng never has its address taken,
    // so it stays in registers in the per-token loop.
    int draw_subset(Rng& rng) {
        if (enumerated_) return subset_table_.draw(rng);
        Rng r            = rng;
        const int subset = draw_subset_by_group(r);
        rng              = r;
        return subset;
    }
    const std::vector<int>& groups(int subset) const { return subsets_[std::size_t(subset)].groups; }
    // An expert of the subset's groups, proportional to its weight (repeats possible: the caller rejects).
    struct ExpertDraw { // one subset's alias table over its experts, columns mapped to expert ids
        const AliasColumn* col;
        int n;
        int operator()(Rng& rng) const { return draw_column(col, n, rng); }
    };
    // Distinct home nodes of the subset's experts: the node limit M can bind only if this exceeds M.
    int num_nodes(int subset) { return s(subset).num_nodes; }
    ExpertDraw expert_draw(int subset) {
        const Subset& x = s(subset);
        return {x.columns.data(), int(x.columns.size())};
    }
    struct NodeLists {              // one subset's experts grouped by home node
        const int* begin;           // [num_nodes + 1] into experts
        const int* experts;         // by node
        const double* expert_w;     // [experts] their weights, same order
        const double* weight;       // [num_nodes]
        const AliasColumn* columns; // [experts] per node, an alias table over its experts (same order)
        // An expert of `node` proportional to its weight (taken ones included: the caller rejects).
        int draw(int node, Rng& rng) const {
            return draw_column(columns + begin[node], begin[node + 1] - begin[node], rng);
        }
    };
    NodeLists node_lists(int subset) {
        const Subset& x = s(subset);
        return {x.node_begin.data(), x.by_node.data(), x.by_node_w.data(), x.node_w.data(), x.node_columns.data()};
    }

  private:
    struct Subset {
        std::vector<int> groups;               // ascending
        std::vector<int> experts;              // the groups' experts, ascending
        std::vector<AliasColumn> columns;      // [experts] alias table over experts
        std::vector<int> node_begin, by_node;  // the experts grouped by home node: [num_nodes + 1], [experts]
        std::vector<double> node_w;            // [num_nodes] their weight
        std::vector<double> by_node_w;         // [experts] weight of by_node[i]
        std::vector<AliasColumn> node_columns; // [experts] per-node alias tables, aligned with by_node
        int num_nodes = 0;                     // nodes with at least one of the experts
        bool built    = false;                 // experts, node_begin, by_node, num_nodes (homes only)
        bool weighted = false;                 // columns, node_w, by_node_w, node_columns for w_
    };
    Subset& s(int subset) {
        Subset& x = subsets_[std::size_t(subset)];
        if (!x.built) build_experts(x);
        if (!x.weighted) weigh_experts(x);
        return x;
    }
    int subset_of(uint64_t mask);
    int draw_subset_by_group(Rng& rng);
    void build_experts(Subset& s) const;
    void weigh_experts(Subset& s);

    GateSpec gate_;
    std::vector<double> w_, group_w_;
    std::vector<int> home_;
    int num_nodes_ = 1;
    std::vector<Subset> subsets_;
    std::unordered_map<uint64_t, int> index_; // group mask -> subset
    bool enumerated_ = false;
    AliasTable subset_table_;      // enumerated: over subsets_
    std::vector<int> leaf_subset_; // enumerated: the subset of each ordered sequence, in enumeration order
    std::vector<double> subset_p_; // reweight's scratch: probability per subset
    std::vector<double> scratch_w_;
    AliasTable scratch_table_;
    std::vector<char> chosen_;
};

} // namespace moetwin::step
