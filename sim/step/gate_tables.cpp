// SPDX-License-Identifier: Apache-2.0
// GateTables and AliasTable: Walker's alias method over group subsets and their experts.
#include "sim/step/gate_tables.hpp"

#include "common/errors.hpp"

#include <numeric>

namespace moetwin::step {
namespace {

// Calls add(mask, p) for every ordered sequence of `left` more groups (Plackett-Luce, without
// replacement) with its probability p, in a fixed order.
template <class Add>
void enumerate(const std::vector<double>& gw, uint64_t mask, double p, double rest, int left, Add& add) {
    if (left == 0) {
        add(mask, p);
        return;
    }
    for (int g = 0; g < int(gw.size()); ++g)
        if (!(mask >> g & 1))
            enumerate(gw, mask | uint64_t(1) << g, p * gw[std::size_t(g)] / rest, rest - gw[std::size_t(g)], left - 1,
                      add);
}

} // namespace

void AliasTable::build(std::span<const double> w) {
    const int n = int(w.size());
    MOETWIN_ASSERT(n >= 1, "AliasTable: no columns");
    const double sum = std::accumulate(w.begin(), w.end(), 0.0);
    MOETWIN_ASSERT(sum > 0, "AliasTable: weights sum to 0");
    prob.assign(std::size_t(n), 1.0);
    alias.resize(std::size_t(n));
    // Scratch kept across calls: a layer builds about 1,300 small tables (subsets and their nodes).
    thread_local std::vector<double> scaled;
    thread_local std::vector<int> small, large;
    scaled.resize(std::size_t(n));
    small.clear();
    large.clear();
    for (int i = 0; i < n; ++i) {
        scaled[std::size_t(i)] = w[std::size_t(i)] * n / sum;
        alias[std::size_t(i)]  = i;
        (scaled[std::size_t(i)] < 1.0 ? small : large).push_back(i);
    }
    while (!small.empty() && !large.empty()) {
        const int s = small.back(), l = large.back();
        small.pop_back();
        prob[std::size_t(s)]  = scaled[std::size_t(s)];
        alias[std::size_t(s)] = l;
        scaled[std::size_t(l)] -= 1.0 - scaled[std::size_t(s)];
        if (scaled[std::size_t(l)] < 1.0) {
            large.pop_back();
            small.push_back(l);
        }
    }
}

GateTables::GateTables(const GateSpec& gate, std::span<const double> w, std::span<const int> home, int num_nodes)
    : gate_(gate), w_(w.begin(), w.end()), group_w_(std::size_t(gate.num_groups), 0.0), home_(home.begin(), home.end()),
      num_nodes_(num_nodes), chosen_(std::size_t(gate.num_groups), 0) {
    if (gate.num_groups > 64) throw ConfigError("route_layer: at most 64 expert groups");
    const int gs = gate.group_size();
    for (int e = 0; e < gate.num_experts; ++e)
        group_w_[std::size_t(e / gs)] += w_[std::size_t(e)];
    int64_t sequences = 1;
    for (int k = 0; k < gate.topk_groups && sequences <= kMaxEnumeratedGroupSequences; ++k)
        sequences *= gate.num_groups - k;
    enumerated_ = sequences <= kMaxEnumeratedGroupSequences;
    if (!enumerated_) return;
    std::unordered_map<uint64_t, double> p;
    auto add_p = [&](uint64_t mask, double q) { p[mask] += q; };
    enumerate(group_w_, 0, 1.0, std::accumulate(group_w_.begin(), group_w_.end(), 0.0), gate.topk_groups, add_p);
    std::vector<std::pair<uint64_t, double>> sets(p.begin(), p.end());
    std::sort(sets.begin(), sets.end()); // by mask: independent of the hash map's order
    std::vector<double> sw;
    for (const auto& [mask, prob] : sets) {
        subset_of(mask);
        sw.push_back(std::max(prob, 0.0));
    }
    subset_table_.build(sw);
    auto add_leaf = [&](uint64_t mask, double) { leaf_subset_.push_back(index_.at(mask)); };
    enumerate(group_w_, 0, 1.0, 1.0, gate.topk_groups, add_leaf);
    for (Subset& x : subsets_) {
        build_experts(x);
        weigh_experts(x);
    }
}

void GateTables::reweight(std::span<const double> w) {
    MOETWIN_ASSERT(w.size() == w_.size(), "GateTables::reweight: weights size");
    std::copy(w.begin(), w.end(), w_.begin());
    std::fill(group_w_.begin(), group_w_.end(), 0.0);
    const int gs = gate_.group_size();
    for (int e = 0; e < gate_.num_experts; ++e)
        group_w_[std::size_t(e / gs)] += w_[std::size_t(e)];
    for (Subset& x : subsets_)
        x.weighted = false;
    if (!enumerated_) return; // subsets are weighed again on their next draw
    // The constructor's sums, in the same order (so the same bits), by subset instead of by mask.
    subset_p_.assign(subsets_.size(), 0.0);
    std::size_t leaf = 0;
    auto add_p       = [&](uint64_t, double q) { subset_p_[std::size_t(leaf_subset_[leaf++])] += q; };
    enumerate(group_w_, 0, 1.0, std::accumulate(group_w_.begin(), group_w_.end(), 0.0), gate_.topk_groups, add_p);
    for (double& q : subset_p_)
        q = std::max(q, 0.0);
    subset_table_.build(subset_p_);
    for (Subset& x : subsets_)
        weigh_experts(x);
}

int GateTables::subset_of(uint64_t mask) {
    if (auto it = index_.find(mask); it != index_.end()) return it->second;
    Subset s;
    for (int g = 0; g < gate_.num_groups; ++g)
        if (mask >> g & 1) s.groups.push_back(g);
    subsets_.push_back(std::move(s));
    index_.emplace(mask, int(subsets_.size()) - 1);
    return int(subsets_.size()) - 1;
}

void GateTables::build_experts(Subset& s) const {
    const int gs = gate_.group_size();
    for (int g : s.groups)
        for (int e = g * gs; e < (g + 1) * gs; ++e)
            s.experts.push_back(e);
    s.node_begin.assign(std::size_t(num_nodes_) + 1, 0);
    for (int e : s.experts)
        ++s.node_begin[std::size_t(home_[std::size_t(e)]) + 1];
    for (int n = 0; n < num_nodes_; ++n)
        s.num_nodes += s.node_begin[std::size_t(n) + 1] > 0;
    std::partial_sum(s.node_begin.begin(), s.node_begin.end(), s.node_begin.begin());
    s.by_node.resize(s.experts.size());
    std::vector<int> fill(s.node_begin.begin(), s.node_begin.end() - 1);
    for (int e : s.experts)
        s.by_node[std::size_t(fill[std::size_t(home_[std::size_t(e)])]++)] = e;
    s.built = true;
}

void GateTables::weigh_experts(Subset& s) {
    const std::size_t n = s.experts.size();
    scratch_w_.resize(n);
    for (std::size_t c = 0; c < n; ++c)
        scratch_w_[c] = w_[std::size_t(s.experts[c])];
    AliasTable& table = scratch_table_;
    table.build(scratch_w_);
    s.columns.resize(n);
    for (std::size_t c = 0; c < n; ++c)
        s.columns[c] = {table.prob[c], s.experts[c], s.experts[std::size_t(table.alias[c])]};
    s.node_w.assign(std::size_t(num_nodes_), 0.0);
    for (int e : s.experts)
        s.node_w[std::size_t(home_[std::size_t(e)])] += w_[std::size_t(e)];
    s.by_node_w.resize(n);
    for (std::size_t i = 0; i < n; ++i)
        s.by_node_w[i] = w_[std::size_t(s.by_node[i])];
    s.node_columns.resize(n);
    for (int m = 0; m < num_nodes_; ++m) {
        const int b = s.node_begin[std::size_t(m)], len = s.node_begin[std::size_t(m) + 1] - b;
        if (len == 0) continue;
        table.build(std::span<const double>(s.by_node_w).subspan(std::size_t(b), std::size_t(len)));
        for (int c = 0; c < len; ++c)
            s.node_columns[std::size_t(b + c)] = {table.prob[std::size_t(c)], s.by_node[std::size_t(b + c)],
                                                  s.by_node[std::size_t(b + table.alias[std::size_t(c)])]};
    }
    s.weighted = true;
}

int GateTables::draw_subset_by_group(Rng& rng) {
    // One group at a time, without replacement, proportional to group weight.
    std::fill(chosen_.begin(), chosen_.end(), 0);
    double left   = std::accumulate(group_w_.begin(), group_w_.end(), 0.0);
    uint64_t mask = 0;
    for (int j = 0; j < gate_.topk_groups; ++j) {
        double u = rng.uniform() * left;
        int pick = -1;
        for (int g = 0; g < gate_.num_groups; ++g) {
            if (chosen_[std::size_t(g)]) continue;
            pick = g;
            if ((u -= group_w_[std::size_t(g)]) < 0) break;
        }
        chosen_[std::size_t(pick)] = 1;
        mask |= uint64_t(1) << pick;
        left -= group_w_[std::size_t(pick)];
    }
    return subset_of(mask);
}

} // namespace moetwin::step
