// SPDX-License-Identifier: Apache-2.0
#include "sim/serving/traffic/scaling.hpp"

#include "common/errors.hpp"
#include "common/rng.hpp"
#include "sim/serving/traffic/block_hash.hpp"
#include "sim/serving/traffic/synthetic.hpp"

#include <cmath>
#include <queue>
#include <vector>

namespace moetwin::serving::traffic {
namespace {

constexpr double kHourS = 3600;
// Salts of loop pass h start at h << 32: room for 2^32 copies per pass, far above any rate scale.
constexpr int kPassSaltShift = 32;
// Rng stream of the copies' offsets; the thinning of copy k uses stream kThinStream + salt.
constexpr uint64_t kOffsetStream = 0x4f4646ull; // "OFF"
constexpr uint64_t kThinStream   = 0x5448494eull << 32;

class TimeScaled final : public RequestSource {
  public:
    TimeScaled(std::unique_ptr<RequestSource> src, double f) : src_(std::move(src)), f_(f) {}
    bool next(Request& r) override {
        if (!src_->next(r)) return false;
        r.arrival_s *= f_;
        return true;
    }
    int64_t block_tokens() const override { return src_->block_tokens(); }

  private:
    std::unique_ptr<RequestSource> src_;
    double f_;
};

// One copy of the trace: shifted cyclically by offset_s, thinned, hashes salted. Sorted by construction.
class Copy {
  public:
    Copy(SourceFactory* base, double offset_s, double period_s, double keep, uint64_t seed, uint64_t salt)
        : base_(base), src_((*base)()), offset_(offset_s), period_(period_s), keep_(keep),
          rng_(seed, kThinStream + salt), salt_(salt) {}
    // Advances to the next kept request; false when the copy is exhausted.
    bool advance() {
        Request r;
        for (;;) {
            if (!src_->next(r)) {
                if (wrapped_ || offset_ == 0) return false;
                wrapped_ = true;
                src_     = (*base_)();
                continue;
            }
            if (!wrapped_ && r.arrival_s < offset_) continue;
            if (wrapped_ && r.arrival_s >= offset_) return false;
            if (keep_ < 1 && rng_.uniform() >= keep_) continue;
            break;
        }
        head_           = r;
        head_.arrival_s = r.arrival_s - offset_ + (wrapped_ ? period_ : 0.0);
        hashes_.resize(r.prefix_blocks.size());
        for (std::size_t i = 0; i < hashes_.size(); ++i)
            hashes_[i] = salted_hash(r.prefix_blocks[i], salt_);
        head_.prefix_blocks = hashes_;
        return true;
    }
    const Request& head() const { return head_; }
    int64_t block_tokens() const { return src_->block_tokens(); }

  private:
    SourceFactory* base_;
    std::unique_ptr<RequestSource> src_;
    double offset_, period_, keep_;
    Rng rng_;
    uint64_t salt_;
    bool wrapped_ = false;
    Request head_;
    std::vector<uint64_t> hashes_;
};

class Superposed final : public RequestSource {
  public:
    Superposed(SourceFactory base, double s, double period_s, uint64_t seed, uint64_t salt_base, double offset_s)
        : base_(std::move(base)), offset_(offset_s) {
        const auto k_copies = static_cast<int64_t>(std::max(1.0, std::ceil(s)));
        const double keep   = s / static_cast<double>(k_copies);
        Rng offsets(seed, kOffsetStream + salt_base);
        copies_.reserve(static_cast<std::size_t>(k_copies));
        for (int64_t k = 0; k < k_copies; ++k) {
            const double o = k == 0 ? 0.0 : offsets.uniform() * period_s;
            copies_.emplace_back(&base_, o, period_s, keep, seed, salt_base + static_cast<uint64_t>(k));
            if (copies_.back().advance()) heads_.push({copies_.back().head().arrival_s, k});
        }
        block_tokens_ = copies_.front().block_tokens();
    }
    bool next(Request& r) override {
        // After the caller is done with its span: the copy served last moves to its next request.
        if (last_ >= 0 && copies_[last_].advance()) heads_.push({copies_[last_].head().arrival_s, last_});
        // The earliest head; ties go to the lowest copy. A heap: K reaches ~350 for a Day-6 rate from Mooncake.
        if (heads_.empty()) {
            last_ = -1;
            return false;
        }
        const int64_t best = heads_.top().second;
        heads_.pop();
        last_ = best;
        r     = copies_[best].head();
        r.id  = id_++;
        r.arrival_s += offset_;
        return true;
    }
    int64_t block_tokens() const override { return block_tokens_; }

  private:
    SourceFactory base_;
    double offset_;
    std::vector<Copy> copies_;
    // (head arrival, copy) of every copy not exhausted, except the one served last; earliest, then lowest copy.
    std::priority_queue<std::pair<double, int64_t>, std::vector<std::pair<double, int64_t>>, std::greater<>> heads_;
    int64_t last_ = -1, id_ = 0, block_tokens_ = kDefaultBlockTokens;
};

class Looped final : public RequestSource {
  public:
    Looped(SourceFactory base, const LoopSpec& loop, const TraceExtent& e, uint64_t seed)
        : base_(std::move(base)), loop_(loop), extent_(e), seed_(seed) {
        const double stretch = kHourS / e.period_s();
        SourceFactory b      = base_;
        hour_base_           = [b, stretch] { return time_scaled(b(), stretch); };
        block_tokens_        = base_()->block_tokens();
    }
    bool next(Request& r) override {
        for (;;) {
            if (cur_ && cur_->next(r)) {
                r.id = id_++;
                return true;
            }
            if (hour_ >= loop_.hours) return false;
            const double v = loop_.profile.hourly[static_cast<std::size_t>(hour_ % 24)];
            const double s =
                loop_.profile.unit == ProfileUnit::Relative ? v : v * kHourS / static_cast<double>(extent_.requests);
            cur_.reset();
            if (s > 0)
                cur_ = rate_scaled(hour_base_, s, kHourS, seed_, static_cast<uint64_t>(hour_) << kPassSaltShift,
                                   kHourS * static_cast<double>(hour_));
            ++hour_;
        }
    }
    int64_t block_tokens() const override { return block_tokens_; }

  private:
    SourceFactory base_, hour_base_;
    LoopSpec loop_;
    TraceExtent extent_;
    uint64_t seed_;
    std::unique_ptr<RequestSource> cur_;
    int64_t hour_ = 0, id_ = 0, block_tokens_ = kDefaultBlockTokens;
};

} // namespace

TraceExtent measure_trace(RequestSource& src, const std::string& what) {
    TraceExtent e;
    Request r;
    while (src.next(r)) {
        ++e.requests;
        e.last_arrival_s = r.arrival_s;
    }
    if (e.requests < 2 || !(e.last_arrival_s > 0))
        throw ConfigError(what + ": " + std::to_string(e.requests) + " requests spanning " +
                          std::to_string(e.last_arrival_s) +
                          " s: expected at least 2 requests at different times to scale or loop the trace");
    return e;
}

std::unique_ptr<RequestSource> time_scaled(std::unique_ptr<RequestSource> src, double factor) {
    MOETWIN_ASSERT(factor > 0 && std::isfinite(factor), "time scale must be positive");
    return std::make_unique<TimeScaled>(std::move(src), factor);
}

std::unique_ptr<RequestSource> rate_scaled(SourceFactory base, double rate_scale, double period_s, uint64_t seed,
                                           uint64_t salt_base, double offset_s) {
    MOETWIN_ASSERT(rate_scale > 0 && std::isfinite(rate_scale), "rate scale must be positive");
    MOETWIN_ASSERT(period_s > 0, "period must be positive");
    return std::make_unique<Superposed>(std::move(base), rate_scale, period_s, seed, salt_base, offset_s);
}

std::unique_ptr<RequestSource> looped_day(SourceFactory base, const LoopSpec& loop, const TraceExtent& extent,
                                          uint64_t seed) {
    return std::make_unique<Looped>(std::move(base), loop, extent, seed);
}

} // namespace moetwin::serving::traffic
