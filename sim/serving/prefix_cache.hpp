// SPDX-License-Identifier: Apache-2.0
// The on-disk KV cache tier (Day-6: 3FS KVCache, shared by the cluster): whole prefix blocks keyed by their
// chained hashes (Request::prefix_blocks), least-recently-used eviction beyond a capacity in blocks.
//
// Scale: a Day-6 day stores ~10^9 blocks into a cache of ~10^7-10^8, so the index is an open-addressing table
// (linear probing, backward-shift deletion: no tombstones, no allocation per block) of 8-byte entries (a
// 32-bit slot and 32 bits of the key's hash), grown by doubling up to twice the capacity, and the LRU is an
// intrusive doubly linked list over slot arrays.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

namespace moetwin::serving {

namespace detail {
// std::allocator, except that arrays of 2 MiB or more are 2 MiB-aligned and advised as transparent huge
// pages (Linux madvise(MADV_HUGEPAGE); a hint, results do not depend on it): the cache's arrays reach
// ~2 GB at Day-6 scale and every block touches them at random, so with 4 KiB pages nearly every access
// also misses the TLB.
void* huge_page_alloc(std::size_t bytes);
void huge_page_free(void* p) noexcept;
template <class T> struct HugePageAllocator {
    using value_type    = T;
    HugePageAllocator() = default;
    template <class U> HugePageAllocator(const HugePageAllocator<U>&) {}
    T* allocate(std::size_t n) { return static_cast<T*>(huge_page_alloc(n * sizeof(T))); }
    void deallocate(T* p, std::size_t) noexcept { huge_page_free(p); }
    template <class U> bool operator==(const HugePageAllocator<U>&) const { return true; }
};
} // namespace detail

class PrefixCache {
  public:
    // 0 <= capacity_blocks < 2^31 (0: nothing is ever kept).
    explicit PrefixCache(int64_t capacity_blocks);

    // Contract: the number of leading blocks of `blocks` held (chained hashes: the match stops at the first
    // block not held); those blocks become the most recently used.
    int64_t lookup(std::span<const uint64_t> blocks);
    // Stores every block of `blocks` (after its prefill computed them), most recent last; evicts the least
    // recently used beyond the capacity.
    void insert(std::span<const uint64_t> blocks);
    // lookup(blocks) then insert(blocks) in one pass over the table: the same result, hits and LRU order
    // (the hits are the leading blocks, so they are touched before any block of `blocks` can be evicted).
    int64_t lookup_insert(std::span<const uint64_t> blocks);

    int64_t size_blocks() const { return size_; }
    int64_t capacity_blocks() const { return capacity_; }
    int64_t evictions() const { return evictions_; }

  private:
    struct Entry {
        uint32_t slot; // kNil: empty
        uint32_t tag;  // high 32 bits of the key's mixed hash; its low bits are the key's home position
    };
    // Table position holding `key`, or the empty position where it would go (found = false).
    std::size_t find(uint64_t key, uint64_t h, bool& found) const;
    void erase_at(std::size_t pos);
    void grow();
    // Stores `b` (not held; its table position is p) as the most recent block, evicting the LRU at capacity.
    void add(uint64_t b, uint64_t h, std::size_t p);
    void touch(uint32_t slot);
    void unlink(uint32_t slot);
    void push_front(uint32_t slot);

    static constexpr uint32_t kNil = UINT32_MAX;
    int64_t capacity_;
    int64_t size_      = 0;
    int64_t evictions_ = 0;
    std::vector<Entry, detail::HugePageAllocator<Entry>> table_; // power-of-two size, load <= 1/2
    std::size_t mask_ = 0;
    struct Slot {
        uint64_t key;
        uint32_t prev, next; // LRU list
    };
    std::vector<Slot, detail::HugePageAllocator<Slot>>
        slots_;                          // one cache line or less per block: key and links together
    uint32_t head_ = kNil, tail_ = kNil; // head: most recent
};

} // namespace moetwin::serving
