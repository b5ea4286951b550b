// SPDX-License-Identifier: Apache-2.0
#include "sim/serving/prefix_cache.hpp"

#include "common/errors.hpp"

#include <algorithm>
#include <new>
#ifdef __linux__
#include <sys/mman.h>
#endif

namespace moetwin::serving {

namespace detail {
constexpr std::size_t kHugePage = std::size_t{2} << 20; // x86-64 huge page: 2 MiB

void* huge_page_alloc(std::size_t bytes) {
    if (bytes < kHugePage) {
        if (void* p = std::malloc(bytes ? bytes : 1)) return p;
        throw std::bad_alloc();
    }
    const std::size_t rounded = (bytes + kHugePage - 1) / kHugePage * kHugePage;
    void* p                   = std::aligned_alloc(kHugePage, rounded);
    if (!p) throw std::bad_alloc();
#ifdef __linux__
    ::madvise(p, rounded, MADV_HUGEPAGE);
#endif
    return p;
}

void huge_page_free(void* p) noexcept {
    std::free(p);
}
} // namespace detail

namespace {

// SplitMix64's finaliser (Steele, Lea & Flood 2014): trace hashes may be small consecutive integers
// (Mooncake's hash_ids), so they are mixed before indexing the table.
inline uint64_t mix(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

constexpr std::size_t kMinTable = 1024;

// A key's home position and its entry's tag are both the high 32 bits of its mixed hash (the table has at most
// 2^32 positions), so erase_at and grow find an entry's home from the entry alone, without reading the key
// from slots_ (a random DRAM access per entry moved: erase_at was ~18 % of a Day-6 day, perf).
inline uint32_t tag_of(uint64_t h) {
    return uint32_t(h >> 32);
}

} // namespace

PrefixCache::PrefixCache(int64_t capacity_blocks) : capacity_(std::max<int64_t>(0, capacity_blocks)) {
    // Slots are 32-bit indices; 4e9 blocks of 512 tokens of DeepSeek-V3's 70 KB/token KV would be 140 EB.
    MOETWIN_ASSERT(capacity_ < (int64_t(1) << 31), "prefix cache capacity beyond 2^31 blocks");
    if (capacity_ > 0) {
        table_.assign(kMinTable, Entry{kNil, 0});
        mask_ = kMinTable - 1;
    }
}

std::size_t PrefixCache::find(uint64_t key, uint64_t h, bool& found) const {
    const uint32_t tag = tag_of(h);
    for (std::size_t p = tag & mask_;; p = (p + 1) & mask_) {
        const Entry e = table_[p];
        if (e.slot == kNil) {
            found = false;
            return p;
        }
        if (e.tag == tag && slots_[e.slot].key == key) {
            found = true;
            return p;
        }
    }
}

// Backward-shift deletion (Knuth, TAOCP vol. 3, 6.4 algorithm R): later entries of the probe run move up so
// every entry stays reachable from its home position without tombstones.
void PrefixCache::erase_at(std::size_t pos) {
    std::size_t hole = pos;
    for (std::size_t p = (pos + 1) & mask_;; p = (p + 1) & mask_) {
        const Entry e = table_[p];
        if (e.slot == kNil) break;
        const std::size_t home = e.tag & mask_;
        // Move e into the hole when its home is not in (hole, p] (cyclically).
        const bool in_range = hole <= p ? (home > hole && home <= p) : (home > hole || home <= p);
        if (!in_range) {
            table_[hole] = e;
            hole         = p;
        }
    }
    table_[hole] = Entry{kNil, 0};
}

void PrefixCache::grow() {
    decltype(table_) old;
    old.swap(table_);
    table_.assign(old.size() * 2, Entry{kNil, 0});
    mask_ = table_.size() - 1;
    for (const Entry e : old) {
        if (e.slot == kNil) continue;
        std::size_t p = e.tag & mask_;
        while (table_[p].slot != kNil)
            p = (p + 1) & mask_;
        table_[p] = e;
    }
}

void PrefixCache::unlink(uint32_t s) {
    const Slot& x = slots_[s];
    if (x.prev != kNil)
        slots_[x.prev].next = x.next;
    else
        head_ = x.next;
    if (x.next != kNil)
        slots_[x.next].prev = x.prev;
    else
        tail_ = x.prev;
}

void PrefixCache::push_front(uint32_t s) {
    slots_[s].prev = kNil;
    slots_[s].next = head_;
    if (head_ != kNil) slots_[head_].prev = s;
    head_ = s;
    if (tail_ == kNil) tail_ = s;
}

void PrefixCache::touch(uint32_t s) {
    if (head_ == s) return;
    unlink(s);
    push_front(s);
}

int64_t PrefixCache::lookup(std::span<const uint64_t> blocks) {
    if (size_ == 0) return 0;
    int64_t hits = 0;
    for (const uint64_t b : blocks) {
        bool found;
        const std::size_t p = find(b, mix(b), found);
        if (!found) break;
        touch(table_[p].slot);
        ++hits;
    }
    return hits;
}

void PrefixCache::add(uint64_t b, uint64_t h, std::size_t p) {
    uint32_t s;
    if (size_ >= capacity_) { // reuse the least recently used slot
        s = tail_;
        unlink(s);
        // The next victims' cache misses, started ahead (hints: results do not depend on them). With the cache
        // full every stored block evicts the LRU tail, and finding the victim's table position was a random DRAM
        // read nothing had started: ~80 % of add's samples, ~17 % of a Day-6 day (perf). Two evictions ahead:
        // the slot after the new tail (its slot was prefetched by the previous eviction) gets its table home
        // prefetched, and the slot after it is prefetched. (Written here, not as a function: GCC deletes a call
        // to a function whose only effect is a prefetch.)
        if (tail_ != kNil && slots_[tail_].prev != kNil) {
            const Slot& x = slots_[slots_[tail_].prev];
            __builtin_prefetch(&table_[tag_of(mix(x.key)) & mask_]);
            if (x.prev != kNil) __builtin_prefetch(&slots_[x.prev]);
        }
        bool old_found;
        erase_at(find(slots_[s].key, mix(slots_[s].key), old_found));
        --size_;
        ++evictions_;
        bool found;
        p = find(b, h, found); // the erase may have moved the empty position
    } else {
        s = uint32_t(slots_.size());
        slots_.push_back(Slot{b, kNil, kNil}); // not in the table yet: grow() reads only entries' keys
        if (2 * (size_ + 1) > int64_t(table_.size())) {
            grow();
            bool found;
            p = find(b, h, found);
        }
    }
    slots_[s].key = b;
    table_[p]     = Entry{s, tag_of(h)};
    ++size_;
    push_front(s);
}

void PrefixCache::insert(std::span<const uint64_t> blocks) {
    if (capacity_ == 0) return;
    for (const uint64_t b : blocks) {
        const uint64_t h = mix(b);
        bool found;
        const std::size_t p = find(b, h, found);
        if (found)
            touch(table_[p].slot);
        else
            add(b, h, p);
    }
}

int64_t PrefixCache::lookup_insert(std::span<const uint64_t> blocks) {
    if (capacity_ == 0) return 0;
    // The table is far larger than the CPU caches (~10^8 entries at Day-6 scale): start every block's
    // first probe load at once, so the misses overlap instead of following one another.
    for (const uint64_t b : blocks)
        __builtin_prefetch(&table_[tag_of(mix(b)) & mask_]);
    // Then, as those arrive, the slots of the entries at the blocks' home positions (the key compared and the
    // LRU links touched below), and the LRU neighbours a hit's touch unlinks it from: three rounds of misses
    // overlapped instead of one after another per block. Hints only.
    for (const uint64_t b : blocks) {
        const uint64_t h = mix(b);
        const Entry e    = table_[tag_of(h) & mask_];
        if (e.slot != kNil && e.tag == tag_of(h)) __builtin_prefetch(&slots_[e.slot]);
    }
    for (const uint64_t b : blocks) {
        const uint64_t h = mix(b);
        const Entry e    = table_[tag_of(h) & mask_];
        if (e.slot == kNil || e.tag != tag_of(h)) continue;
        const Slot& x = slots_[e.slot];
        if (x.prev != kNil) __builtin_prefetch(&slots_[x.prev]);
        if (x.next != kNil) __builtin_prefetch(&slots_[x.next]);
    }
    int64_t hits = 0;
    bool chain   = true; // no miss yet
    for (const uint64_t b : blocks) {
        const uint64_t h = mix(b);
        bool found;
        const std::size_t p = find(b, h, found);
        if (found) {
            touch(table_[p].slot);
            hits += chain ? 1 : 0;
        } else {
            chain = false;
            add(b, h, p);
        }
    }
    return hits;
}
} // namespace moetwin::serving
