// SPDX-License-Identifier: Apache-2.0
#include "sim/serving/traffic/memory_trace.hpp"

namespace moetwin::serving::traffic {
namespace {

class MemorySource final : public RequestSource {
  public:
    explicit MemorySource(std::shared_ptr<const MemoryTrace> t) : t_(std::move(t)) {}
    bool next(Request& r) override {
        if (i_ >= t_->rows.size()) return false;
        const MemoryTrace::Row& w = t_->rows[i_++];
        r.id                      = w.id;
        r.arrival_s               = w.arrival_s;
        r.input_tokens            = w.input_tokens;
        r.output_tokens           = w.output_tokens;
        r.tenant                  = w.tenant;
        r.session                 = w.session;
        r.prefix_blocks           = std::span<const uint64_t>(t_->hashes.data() + w.first_block, w.blocks);
        return true;
    }
    int64_t block_tokens() const override { return t_->block_tokens; }

  private:
    std::shared_ptr<const MemoryTrace> t_;
    std::size_t i_ = 0;
};

} // namespace

std::shared_ptr<const MemoryTrace> load_trace(RequestSource& src, int64_t max_bytes) {
    auto t          = std::make_shared<MemoryTrace>();
    t->block_tokens = src.block_tokens();
    Request r;
    while (src.next(r)) {
        t->rows.push_back({r.id, r.arrival_s, r.input_tokens, r.output_tokens, r.tenant, r.session, t->hashes.size(),
                           r.prefix_blocks.size()});
        t->hashes.insert(t->hashes.end(), r.prefix_blocks.begin(), r.prefix_blocks.end());
        if (t->bytes() > max_bytes) return nullptr;
    }
    t->rows.shrink_to_fit();
    t->hashes.shrink_to_fit();
    return t;
}

std::unique_ptr<RequestSource> replay_memory_trace(std::shared_ptr<const MemoryTrace> trace) {
    return std::make_unique<MemorySource>(std::move(trace));
}

} // namespace moetwin::serving::traffic
