// SPDX-License-Identifier: Apache-2.0
// The prefix cache (sim/serving/prefix_cache.hpp) against a plain reference LRU (std::list + std::map):
// hits, sizes, evictions and LRU order on random chained-prefix traffic over many table growths and
// backward-shift deletions, and lookup_insert == lookup then insert.
#include "common/rng.hpp"
#include "sim/serving/prefix_cache.hpp"

#include <gtest/gtest.h>

#include <list>
#include <map>
#include <vector>

namespace moetwin::serving {
namespace {

// The textbook LRU the cache must equal.
class ReferenceLru {
  public:
    explicit ReferenceLru(std::size_t capacity) : cap_(capacity) {}
    int64_t lookup(const std::vector<uint64_t>& blocks) {
        int64_t hits = 0;
        for (const uint64_t b : blocks) {
            const auto it = pos_.find(b);
            if (it == pos_.end()) break;
            order_.splice(order_.begin(), order_, it->second);
            ++hits;
        }
        return hits;
    }
    void insert(const std::vector<uint64_t>& blocks) {
        if (cap_ == 0) return;
        for (const uint64_t b : blocks) {
            const auto it = pos_.find(b);
            if (it != pos_.end()) {
                order_.splice(order_.begin(), order_, it->second);
                continue;
            }
            if (pos_.size() >= cap_) {
                pos_.erase(order_.back());
                order_.pop_back();
                ++evictions_;
            }
            order_.push_front(b);
            pos_[b] = order_.begin();
        }
    }
    int64_t size() const { return int64_t(pos_.size()); }
    int64_t evictions_ = 0;

  private:
    std::size_t cap_;
    std::list<uint64_t> order_;
    std::map<uint64_t, std::list<uint64_t>::iterator> pos_;
};

// Requests whose blocks are a chained prefix: a shared head (one of 8 system prompts), then a path in a
// small tree of continuations, so hits, partial hits and misses all occur. Keys are small integers
// (Mooncake's hash_ids are) to exercise the table's hash mixing and clustering.
std::vector<uint64_t> draw_blocks(Rng& rng) {
    std::vector<uint64_t> b;
    uint64_t h     = rng.next() % 8;
    const auto len = 1 + rng.next() % 12;
    for (uint64_t i = 0; i < len; ++i) {
        b.push_back(h);
        h = h * 31 + rng.next() % 4 + 8;
    }
    return b;
}

TEST(PrefixCache, EqualsReferenceLruAcrossGrowthAndEviction) {
    for (const int64_t cap : {0, 1, 5, 100, 3000, 100000}) {
        PrefixCache fast(cap), combined(cap);
        ReferenceLru ref(std::size_t(cap > 0 ? cap : 0));
        Rng rng(17, uint64_t(cap));
        int64_t total_hits = 0;
        for (int i = 0; i < 40000; ++i) {
            const std::vector<uint64_t> b = draw_blocks(rng);
            const int64_t want            = ref.lookup(b);
            ref.insert(b);
            ASSERT_EQ(fast.lookup(b), want) << "capacity " << cap << " request " << i;
            fast.insert(b);
            ASSERT_EQ(combined.lookup_insert(b), want) << "capacity " << cap << " request " << i;
            ASSERT_EQ(fast.size_blocks(), ref.size());
            ASSERT_EQ(combined.size_blocks(), ref.size());
            total_hits += want;
        }
        EXPECT_EQ(fast.evictions(), ref.evictions_);
        EXPECT_EQ(combined.evictions(), ref.evictions_);
        EXPECT_LE(fast.size_blocks(), cap);
        if (cap >= 5) EXPECT_GT(total_hits, 0) << "the traffic must produce hits to test anything";
        if (cap >= 5 && cap <= 3000) EXPECT_GT(ref.evictions_, 0) << "and evictions";
    }
}

} // namespace
} // namespace moetwin::serving
