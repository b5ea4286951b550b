// SPDX-License-Identifier: Apache-2.0
// The on-disk KV cache tier (Day-6: 3FS KVCache, shared by the cluster): whole prefix blocks keyed by their
// chained hashes (Request::prefix_blocks), least-recently-used eviction beyond a capacity in blocks.
#pragma once

#include <cstdint>
#include <span>
#include <unordered_map>
#include <vector>

namespace moetwin::serving {

class PrefixCache {
  public:
    // capacity_blocks >= 0 (0: nothing is ever kept).
    explicit PrefixCache(int64_t capacity_blocks);

    // Contract: the number of leading blocks of `blocks` held (chained hashes: the match stops at the first
    // block not held); those blocks become the most recently used.
    int64_t lookup(std::span<const uint64_t> blocks);
    // Stores every block of `blocks` (after its prefill computed them), most recent last; evicts the least
    // recently used beyond the capacity.
    void insert(std::span<const uint64_t> blocks);

    int64_t size_blocks() const { return int64_t(index_.size()); }
    int64_t capacity_blocks() const { return capacity_; }
    int64_t evictions() const { return evictions_; }

  private:
    void touch(uint32_t slot);
    void unlink(uint32_t slot);
    void push_front(uint32_t slot);

    static constexpr uint32_t kNil = UINT32_MAX;
    int64_t capacity_;
    int64_t evictions_ = 0;
    std::unordered_map<uint64_t, uint32_t> index_;
    std::vector<uint64_t> key_;
    std::vector<uint32_t> prev_, next_;
    uint32_t head_ = kNil, tail_ = kNil; // head: most recent
};

} // namespace moetwin::serving
