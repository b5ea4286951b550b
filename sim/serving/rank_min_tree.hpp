// SPDX-License-Identifier: Apache-2.0
// The load balancers' index (replay.cpp): which DP rank has the smallest key, ties to the lower slot.
//
// A tournament tree over a fixed array of slots (slot = unit × ranks per unit + rank), each holding a key or
// nothing: set and clear are O(log n) over contiguous arrays with no allocation, the minimum is O(1). It picks
// what a std::set of (key, unit, rank) picks (the smallest key, then the lower unit and rank) and replaced one
// in the replay: the set allocated a node per insert and chased pointers per lookup, ~12 % of a Day-6 day's
// profile (sim/serving/README.md, "Speed").
#pragma once

#include <cstdint>
#include <vector>

namespace moetwin::serving {

// Key: any type with operator<. Contract: top() is the present slot with the smallest key (among equal keys the
// lowest slot), or -1 when no slot holds a key; resize keeps the keys of the slots it keeps.
template <class Key> class RankMinTree {
  public:
    int32_t size() const { return n_; }
    void resize(int32_t n) {
        keys_.resize(std::size_t(n));
        present_.resize(std::size_t(n), 0);
        n_   = n;
        cap_ = 1;
        while (cap_ < n_)
            cap_ *= 2;
        tree_.assign(std::size_t(2 * cap_), -1);
        for (int32_t i = 0; i < n_; ++i)
            tree_[std::size_t(cap_ + i)] = present_[std::size_t(i)] ? i : -1;
        for (int32_t v = cap_ - 1; v >= 1; --v)
            tree_[std::size_t(v)] = better(tree_[std::size_t(2 * v)], tree_[std::size_t(2 * v + 1)]);
    }
    void set(int32_t i, const Key& k) {
        keys_[std::size_t(i)]    = k;
        present_[std::size_t(i)] = 1;
        update(i, i);
    }
    void clear(int32_t i) {
        if (!present_[std::size_t(i)]) return;
        present_[std::size_t(i)] = 0;
        update(i, -1);
    }
    bool empty() const { return tree_.size() < 2 || tree_[1] < 0; }
    int32_t top() const { return tree_.size() < 2 ? -1 : tree_[1]; }
    const Key& key(int32_t i) const { return keys_[std::size_t(i)]; }

  private:
    // The winner of two subtrees' winners: the smaller key; on a tie a, the left subtree's (lower slots).
    int32_t better(int32_t a, int32_t b) const {
        if (a < 0) return b;
        if (b < 0) return a;
        return keys_[std::size_t(b)] < keys_[std::size_t(a)] ? b : a;
    }
    void update(int32_t i, int32_t leaf) {
        std::size_t v = std::size_t(cap_ + i);
        tree_[v]      = leaf;
        for (v /= 2; v >= 1; v /= 2)
            tree_[v] = better(tree_[2 * v], tree_[2 * v + 1]);
    }

    int32_t n_ = 0, cap_ = 1;
    std::vector<Key> keys_;
    std::vector<uint8_t> present_;
    std::vector<int32_t> tree_; // tree_[1] root; leaves at [cap_, cap_ + n_)
};

} // namespace moetwin::serving
