// SPDX-License-Identifier: Apache-2.0
// GateTables: one layer's gate (the Plackett-Luce form of layer_routing.hpp) precomputed for
// route_layer's per-token loop: the set of topk_groups groups by one alias draw over all group
// subsets, then an expert of that set by one alias draw over the set's experts.
#pragma once

#include "sim/balancer/gate.hpp"
#include "sim/balancer/rng.hpp"

#include <algorithm>
#include <cstdint>
#include <span>
#include <unordered_map>
#include <vector>

namespace moetwin::step {

// Walker alias table over n columns: one uniform draw picks column i with probability w[i] / sum(w).
struct AliasTable {
    std::vector<double> prob; // [n] keep probability of the column
    std::vector<int> alias;   // [n] column taken otherwise

    // Contract: w.size() >= 1, every w >= 0, sum > 0.
    void build(std::span<const double> w);
    int draw(balancer::Rng& rng) const {
        const int n    = int(prob.size());
        const double v = rng.uniform() * n;
        const int col  = std::min(n - 1, int(v));
        return v - col < prob[std::size_t(col)] ? col : alias[std::size_t(col)];
    }
};

// Ordered group sequences enumerated up to this count (8 groups, top-4: 1,680); beyond it the
// groups are drawn one by one (same distribution, topk_groups uniforms per token).
inline constexpr int64_t kMaxEnumeratedGroupSequences = 1 << 16;

class GateTables {
  public:
    // Contract: gate validated, w [num_experts] > 0, home [num_experts] in [0, num_nodes): each
    // expert's node. Subsets' expert tables are built on first use.
    GateTables(const balancer::GateSpec& gate, std::span<const double> w, std::span<const int> home, int num_nodes);

    // A set of topk_groups groups, drawn without replacement proportional to group weight.
    int draw_subset(balancer::Rng& rng);
    const std::vector<int>& groups(int subset) const { return subsets_[std::size_t(subset)].groups; }
    // An expert of the subset's groups, proportional to its weight (repeats possible: the caller rejects).
    struct ExpertDraw { // one subset's alias table over its experts, columns mapped to expert ids
        const double* prob;
        const int* keep;  // expert of the column
        const int* other; // expert of the column's alias
        int n;
        int operator()(balancer::Rng& rng) const {
            const double v = rng.uniform() * n;
            const int col  = std::min(n - 1, int(v));
            return v - col < prob[col] ? keep[col] : other[col];
        }
    };
    ExpertDraw expert_draw(int subset) {
        const Subset& x = s(subset);
        return {x.table.prob.data(), x.experts.data(), x.alias_expert.data(), int(x.experts.size())};
    }
    struct NodeLists {          // one subset's experts grouped by home node
        const int* begin;       // [num_nodes + 1] into experts
        const int* experts;     // by node
        const double* expert_w; // [experts] their weights, same order
        const double* weight;   // [num_nodes]
    };
    NodeLists node_lists(int subset) {
        const Subset& x = s(subset);
        return {x.node_begin.data(), x.by_node.data(), x.by_node_w.data(), x.node_w.data()};
    }

  private:
    struct Subset {
        std::vector<int> groups;              // ascending
        std::vector<int> experts;             // the groups' experts, ascending
        AliasTable table;                     // over experts
        std::vector<int> alias_expert;        // [experts] expert of each column's alias
        std::vector<int> node_begin, by_node; // the experts grouped by home node: [num_nodes + 1], [experts]
        std::vector<double> node_w;           // [num_nodes] their weight
        std::vector<double> by_node_w;        // [experts] weight of by_node[i]
    };
    Subset& s(int subset) {
        Subset& x = subsets_[std::size_t(subset)];
        if (x.table.prob.empty()) build_experts(x);
        return x;
    }
    int subset_of(uint64_t mask);
    void build_experts(Subset& s) const;

    balancer::GateSpec gate_;
    std::vector<double> w_, group_w_;
    std::vector<int> home_;
    int num_nodes_ = 1;
    std::vector<Subset> subsets_;
    std::unordered_map<uint64_t, int> index_; // group mask -> subset
    bool enumerated_ = false;
    AliasTable subset_table_; // enumerated: over subsets_
    std::vector<char> chosen_;
};

} // namespace moetwin::step
