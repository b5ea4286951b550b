// SPDX-License-Identifier: Apache-2.0
// The LBs' index (sim/serving/rank_min_tree.hpp) against the std::set of (key, unit, rank) it replaced: the same
// rank after every operation of random set / clear / grow sequences, with many equal keys (ties go to the lower
// unit, then rank).
#include "common/rng.hpp"
#include "sim/serving/rank_min_tree.hpp"

#include <gtest/gtest.h>

#include <set>
#include <tuple>
#include <utility>
#include <vector>

namespace moetwin::serving {
namespace {

TEST(RankMinTree, EmptyAndSingle) {
    RankMinTree<int64_t> t;
    EXPECT_TRUE(t.empty());
    EXPECT_EQ(t.top(), -1);
    t.resize(5);
    EXPECT_TRUE(t.empty());
    t.set(3, 7);
    EXPECT_EQ(t.top(), 3);
    t.set(1, 7); // tie: the lower slot
    EXPECT_EQ(t.top(), 1);
    t.set(4, 6);
    EXPECT_EQ(t.top(), 4);
    t.clear(4);
    t.clear(4); // clearing an empty slot is a no-op
    EXPECT_EQ(t.top(), 1);
    t.resize(9); // growing keeps the keys
    EXPECT_EQ(t.top(), 1);
    EXPECT_EQ(t.key(3), 7);
    t.clear(1);
    t.clear(3);
    EXPECT_TRUE(t.empty());
}

// Decode-LB keys (load, committed) on units of `ranks` DP ranks, units added over time as the replay does.
TEST(RankMinTree, EqualsTheOrderedSetItReplaced) {
    for (const int32_t ranks : {1, 3, 32, 144}) {
        Rng rng(7, uint64_t(ranks));
        RankMinTree<std::pair<double, int64_t>> tree;
        std::set<std::tuple<double, int64_t, int32_t, int32_t>> set;
        std::vector<std::pair<double, int64_t>> key;
        std::vector<bool> in;
        int32_t units = 1;
        tree.resize(ranks);
        key.assign(std::size_t(ranks), {0, 0});
        in.assign(std::size_t(ranks), false);
        for (int step = 0; step < 20000; ++step) {
            if (rng.uniform() < 0.001 && units < 12) { // a unit joins
                ++units;
                tree.resize(units * ranks);
                key.resize(std::size_t(units * ranks), {0, 0});
                in.resize(std::size_t(units * ranks), false);
            }
            const int32_t slot = int32_t(rng.uniform() * units * ranks);
            const int32_t u = slot / ranks, r = slot % ranks;
            if (in[std::size_t(slot)]) set.erase({key[std::size_t(slot)].first, key[std::size_t(slot)].second, u, r});
            if (rng.uniform() < 0.2) {
                tree.clear(slot);
                in[std::size_t(slot)] = false;
            } else { // few distinct keys: ties are the common case
                key[std::size_t(slot)] = {double(int(rng.uniform() * 4)) / 4, int64_t(rng.uniform() * 3)};
                tree.set(slot, key[std::size_t(slot)]);
                set.insert({key[std::size_t(slot)].first, key[std::size_t(slot)].second, u, r});
                in[std::size_t(slot)] = true;
            }
            ASSERT_EQ(tree.empty(), set.empty());
            if (set.empty()) continue;
            const auto [load, committed, bu, br] = *set.begin();
            ASSERT_EQ(tree.top(), bu * ranks + br) << "ranks " << ranks << " step " << step;
            ASSERT_EQ(tree.key(tree.top()), std::make_pair(load, committed));
        }
    }
}

} // namespace
} // namespace moetwin::serving
