// SPDX-License-Identifier: Apache-2.0
#include "sim/serving/traffic/synthetic.hpp"

#include "common/errors.hpp"
#include "sim/serving/traffic/arrivals.hpp"
#include "sim/serving/traffic/block_hash.hpp"
#include "sim/serving/traffic/length_sampler.hpp"
#include "sim/serving/traffic/trace_fields.hpp"

#include <algorithm>
#include <cmath>
#include <queue>
#include <vector>

namespace moetwin::serving::traffic {
namespace {

// Rng streams of one seed (rng.hpp): arrivals and every other draw are independent sequences, so
// changing a tenant's lengths does not move the arrival times.
constexpr uint64_t kArrivalStream = 1;
constexpr uint64_t kDrawStream    = 2;
// Tags that keep the shared system-prompt hashes and the fresh hashes in disjoint key spaces.
constexpr uint64_t kSharedTag = 0x5348415245440000ull; // "SHARED"
constexpr uint64_t kFreshTag  = 0x465245534800000ull;  // "FRESH"
constexpr uint64_t kConvTag   = 0x434f4e5600000000ull; // "CONV"

// A conversation's full blocks are hashed from its key and position (block_hash below), so an open session
// is three numbers, not its blocks.
// A conversation's block j: mix64(base(key) + j), base(key) = mix64(seed-derived tag ^ mix64(key)).
struct Session {
    int64_t id             = 0;
    uint64_t key           = 0;
    int64_t context_tokens = 0; // of the last turn: input + output
};

struct Ready {
    double at_s;
    int64_t order; // FIFO among equal times
    std::size_t slot;
    bool operator>(const Ready& o) const { return at_s != o.at_s ? at_s > o.at_s : order > o.order; }
};

struct Tenant {
    int64_t prompt_tokens;
    double continue_p, think_s;
    LengthSampler input, output;
    std::vector<uint64_t> shared; // floor(prompt / B) hashes
    std::priority_queue<Ready, std::vector<Ready>, std::greater<>> ready;
};

class SyntheticSource final : public RequestSource {
  public:
    SyntheticSource(const SyntheticSpec& s, int64_t block_tokens, uint64_t seed)
        : spec_(s), b_(block_tokens), arrivals_(absolute_rates(s.rate), s.cv, Rng(seed, kArrivalStream)),
          rng_(seed, kDrawStream), fresh_base_(mix64(seed ^ kFreshTag)) {
        double total = 0;
        for (const TenantSpec& t : s.tenants)
            total += t.weight;
        double acc = 0;
        for (std::size_t i = 0; i < s.tenants.size(); ++i) {
            const TenantSpec& t = s.tenants[i];
            acc += t.weight / total;
            cumulative_.push_back(i + 1 == s.tenants.size() ? 1.0 : acc);
            Tenant x{t.system_prompt_tokens,
                     t.session.continue_probability,
                     t.session.think_time_s,
                     LengthSampler(t.input, false),
                     LengthSampler(t.output, true),
                     {},
                     {}};
            for (int64_t k = 0; k < t.system_prompt_tokens / b_; ++k)
                x.shared.push_back(mix64(mix64(seed ^ kSharedTag ^ (uint64_t(i) << 32)) + uint64_t(k)));
            tenants_.push_back(std::move(x));
        }
    }
    int64_t block_tokens() const override { return b_; }

    bool next(Request& r) override {
        const double t = arrivals_.next_s();
        if (t >= spec_.duration_s) return false;
        const double u = rng_.uniform();
        std::size_t ti = 0;
        while (cumulative_[ti] <= u && ti + 1 < cumulative_.size())
            ++ti;
        Tenant& ten = tenants_[ti];
        r           = Request{};
        r.id        = id_++;
        r.arrival_s = t;
        r.tenant    = static_cast<int32_t>(ti);
        prefix_.clear();

        // Block j < floor(S / B) is the tenant's; a full block j >= that is the conversation's block j
        // (conv_block(key, j)), equal in every turn whose input covers it; a last partial block is one-off.
        const int64_t user = ten.input.draw(rng_);
        bool continuing    = false;
        uint64_t key       = 0;
        if (!ten.ready.empty() && ten.ready.top().at_s <= t) {
            const std::size_t slot = ten.ready.top().slot;
            ten.ready.pop();
            const Session& s = slots_[slot];
            if (s.context_tokens + user <= spec_.max_context_tokens) {
                continuing     = true;
                key            = s.key;
                r.input_tokens = s.context_tokens + user;
                r.session      = s.id;
            }
            free_.push_back(slot); // reused below if the session goes on
        }
        if (!continuing) {
            key            = next_key_++;
            r.input_tokens = std::min(ten.prompt_tokens + user, spec_.max_context_tokens);
        }
        const int64_t full  = r.input_tokens / b_;
        const auto n_shared = std::min<int64_t>(static_cast<int64_t>(ten.shared.size()), full);
        prefix_.assign(ten.shared.begin(), ten.shared.begin() + n_shared);
        const uint64_t base = mix64(fresh_base_ ^ kConvTag ^ mix64(key));
        for (int64_t j = n_shared; j < full; ++j)
            prefix_.push_back(mix64(base + static_cast<uint64_t>(j)));
        if (full * b_ < r.input_tokens) prefix_.push_back(fresh());
        r.output_tokens = ten.output.draw(rng_);

        // Does the session go on? Always two draws (keeps the stream's use independent of the state).
        const bool goes_on = rng_.uniform() < ten.continue_p;
        const double think = ten.think_s > 0 ? -std::log(1.0 - rng_.uniform()) * ten.think_s : 0.0;
        if (goes_on && open_sessions() < spec_.max_open_sessions) {
            const std::size_t slot = take_slot();
            Session& s             = slots_[slot];
            s.id                   = continuing ? r.session : next_session_++;
            s.key                  = key;
            s.context_tokens       = r.input_tokens + r.output_tokens;
            r.session              = s.id;
            ten.ready.push(Ready{t + think, order_++, slot});
        }
        r.prefix_blocks = prefix_;
        return true;
    }

  private:
    uint64_t fresh() { return mix64(fresh_base_ + fresh_count_++); }
    int64_t open_sessions() const { return static_cast<int64_t>(slots_.size() - free_.size()); }
    std::size_t take_slot() {
        if (free_.empty()) {
            slots_.emplace_back();
            return slots_.size() - 1;
        }
        const std::size_t s = free_.back();
        free_.pop_back();
        return s;
    }

    SyntheticSpec spec_;
    int64_t b_;
    ArrivalProcess arrivals_;
    Rng rng_;
    uint64_t fresh_base_;
    uint64_t fresh_count_ = 0;
    std::vector<double> cumulative_;
    std::vector<Tenant> tenants_;
    std::vector<Session> slots_;
    std::vector<std::size_t> free_;
    std::vector<uint64_t> prefix_;
    uint64_t next_key_ = 0;
    int64_t id_ = 0, next_session_ = 0, order_ = 0;
};

} // namespace

std::vector<double> absolute_rates(const HourlyProfile& p) {
    if (p.unit == ProfileUnit::ReqPerS) return p.hourly;
    double sum = 0;
    for (const double v : p.hourly)
        sum += v;
    MOETWIN_ASSERT(sum > 0, "a profile needs one value > 0");
    std::vector<double> out;
    for (const double v : p.hourly)
        out.push_back(v * p.mean_req_per_s * static_cast<double>(p.hourly.size()) / sum);
    return out;
}

std::unique_ptr<RequestSource> open_synthetic(const SyntheticSpec& spec, int64_t block_tokens, uint64_t seed) {
    MOETWIN_ASSERT(!spec.tenants.empty(), "a synthetic spec needs a tenant");
    return std::make_unique<SyntheticSource>(spec, block_tokens, seed);
}

} // namespace moetwin::serving::traffic
