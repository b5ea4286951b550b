// SPDX-License-Identifier: Apache-2.0
#include "sim/serving/prefix_cache.hpp"

#include "common/errors.hpp"

#include <algorithm>

namespace moetwin::serving {
namespace {

// SplitMix64's finaliser (Steele, Lea & Flood 2014): trace hashes may be small consecutive integers
// (Mooncake's hash_ids), so they are mixed before indexing the table.
inline uint64_t mix(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

constexpr std::size_t kMinTable = 1024;

} // namespace

PrefixCache::PrefixCache(int64_t capacity_blocks) : capacity_(std::max<int64_t>(0, capacity_blocks)) {
    // Slots are 32-bit indices; 4e9 blocks of 512 tokens of DeepSeek-V3's 70 KB/token KV would be 140 EB.
    MOETWIN_ASSERT(capacity_ < int64_t(kNil), "prefix cache capacity beyond 2^32 blocks");
    if (capacity_ > 0) {
        table_.assign(kMinTable, Entry{kNil, 0});
        mask_ = kMinTable - 1;
    }
}

std::size_t PrefixCache::find(uint64_t key, uint64_t h, bool& found) const {
    const auto tag = uint32_t(h >> 32);
    for (std::size_t p = std::size_t(h) & mask_;; p = (p + 1) & mask_) {
        const Entry e = table_[p];
        if (e.slot == kNil) {
            found = false;
            return p;
        }
        if (e.tag == tag && key_[e.slot] == key) {
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
        const std::size_t home = std::size_t(mix(key_[e.slot])) & mask_;
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
    std::vector<Entry> old;
    old.swap(table_);
    table_.assign(old.size() * 2, Entry{kNil, 0});
    mask_ = table_.size() - 1;
    for (const Entry e : old) {
        if (e.slot == kNil) continue;
        const uint64_t h = mix(key_[e.slot]);
        std::size_t p    = std::size_t(h) & mask_;
        while (table_[p].slot != kNil)
            p = (p + 1) & mask_;
        table_[p] = e;
    }
}

void PrefixCache::unlink(uint32_t s) {
    if (prev_[s] != kNil)
        next_[prev_[s]] = next_[s];
    else
        head_ = next_[s];
    if (next_[s] != kNil)
        prev_[next_[s]] = prev_[s];
    else
        tail_ = prev_[s];
}

void PrefixCache::push_front(uint32_t s) {
    prev_[s] = kNil;
    next_[s] = head_;
    if (head_ != kNil) prev_[head_] = s;
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

void PrefixCache::insert(std::span<const uint64_t> blocks) {
    if (capacity_ == 0) return;
    for (const uint64_t b : blocks) {
        const uint64_t h = mix(b);
        bool found;
        std::size_t p = find(b, h, found);
        if (found) {
            touch(table_[p].slot);
            continue;
        }
        uint32_t s;
        if (size_ >= capacity_) { // reuse the least recently used slot
            s = tail_;
            unlink(s);
            bool old_found;
            erase_at(find(key_[s], mix(key_[s]), old_found));
            --size_;
            ++evictions_;
            p = find(b, h, found); // the erase may have moved the empty position
        } else {
            s = uint32_t(key_.size());
            key_.push_back(0);
            prev_.push_back(kNil);
            next_.push_back(kNil);
            if (2 * (size_ + 1) > int64_t(table_.size())) {
                key_[s] = b; // not in the table yet: grow() reads only entries' keys
                grow();
                p = find(b, h, found);
            }
        }
        key_[s]   = b;
        table_[p] = Entry{s, uint32_t(h >> 32)};
        ++size_;
        push_front(s);
    }
}

} // namespace moetwin::serving
