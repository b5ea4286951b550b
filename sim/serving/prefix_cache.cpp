// SPDX-License-Identifier: Apache-2.0
#include "sim/serving/prefix_cache.hpp"

#include "common/errors.hpp"

#include <algorithm>

namespace moetwin::serving {

PrefixCache::PrefixCache(int64_t capacity_blocks) : capacity_(std::max<int64_t>(0, capacity_blocks)) {
    // Slots are 32-bit indices; 4e9 blocks of 512 tokens of DeepSeek-V3's 70 KB/token KV would be 140 EB.
    MOETWIN_ASSERT(capacity_ < int64_t(kNil), "prefix cache capacity beyond 2^32 blocks");
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
    int64_t hits = 0;
    for (const uint64_t b : blocks) {
        const auto it = index_.find(b);
        if (it == index_.end()) break;
        touch(it->second);
        ++hits;
    }
    return hits;
}

void PrefixCache::insert(std::span<const uint64_t> blocks) {
    if (capacity_ == 0) return;
    for (const uint64_t b : blocks) {
        const auto it = index_.find(b);
        if (it != index_.end()) {
            touch(it->second);
            continue;
        }
        uint32_t s;
        if (int64_t(index_.size()) >= capacity_) { // reuse the least recently used slot
            s = tail_;
            unlink(s);
            index_.erase(key_[s]);
            ++evictions_;
        } else {
            s = uint32_t(key_.size());
            key_.push_back(0);
            prev_.push_back(kNil);
            next_.push_back(kNil);
        }
        key_[s] = b;
        index_.emplace(b, s);
        push_front(s);
    }
}

} // namespace moetwin::serving
