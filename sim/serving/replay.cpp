// SPDX-License-Identifier: Apache-2.0
// The serving replay: the event loop, the request life (arrival -> prefix cache -> prefill LB -> prefill
// micro-batches -> decode admission -> KV transfer -> decode steps with MTP -> completion), pools over time.
// The model, its choices and what it leaves out: sim/serving/README.md.
#include "sim/serving/replay.hpp"

#include "common/errors.hpp"
#include "common/rng.hpp"
#include "sim/serving/prefix_cache.hpp"
#include "sim/serving/rank_min_tree.hpp"
#include "sim/serving/replay_state.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <string>
#include <utility>

namespace moetwin::serving {
namespace {

using namespace detail;

constexpr int kPrefillPool = 0, kDecodePool = 1;

class Replayer {
  public:
    Replayer(const ReplayInputs& in, RequestSource& src, RecordSink& sink)
        : in_(in), cfg_(in.config), src_(src), sink_(sink), colocated_(cfg_.mode == ServingMode::Colocated),
          preempt_(cfg_.kv_policy == KvPolicy::PreemptRecompute),
          cache_(cfg_.prefix_cache.enabled && in.kv_bytes_per_token > 0
                     ? int64_t(cfg_.prefix_cache.capacity_bytes / (in.kv_bytes_per_token * double(src.block_tokens())))
                     : 0) {
        MOETWIN_ASSERT(in.decode.step && (colocated_ || in.prefill.step) && (!colocated_ || in.prefill.step),
                       "replay needs a step-time model per pool");
        sum_.kv_capacity_tokens_per_rank = in.decode.kv_capacity_tokens_per_rank;
    }

    ReplaySummary run();

  private:
    // ---- events ----
    void push(double t, Ev k, int32_t a = 0, int64_t b = 0) { q_.push(Event{t, seq_++, k, a, b}); }
    void read_next();
    void on_arrival();
    void route_prefill(int32_t slot);
    void start_prefill_step(int32_t u);
    // One rank's share of a prefill step: takes up to `budget` tokens from the head of `queue` (requests split
    // across steps), adds the attention work to `attended` and the requests' cached keys (prefix hit + tokens of
    // earlier steps) to `cached`, and moves the requests whose prefill this step ends
    // to `finishing`. Returns the tokens taken. Shared by the prefill pool and colocated chunked prefill.
    int64_t take_prefill_chunk(std::deque<int32_t>& queue, int64_t budget, double& attended, double& cached,
                               std::vector<int32_t>& finishing);
    void end_prefill_step(int32_t u);
    void after_prefill(int32_t slot);
    bool admit(int32_t slot);
    void drain_decode_wait();
    void join_decode(int32_t slot);
    void start_decode_step(int32_t u);
    void end_decode_step(int32_t u);
    void complete(int32_t slot);
    void release_decode(Live& r);
    // ---- kv_policy preempt_recompute (the block "preemption" below) ----
    int64_t admit_kv(const Live& l) const { return preempt_ ? l.input + 1 + l.decoded : l.kv_need; }
    double kv_used(int32_t u, int32_t r, int64_t k) const;
    void preempt_overflowing(int32_t u);
    void preempt(int32_t u, int32_t r, int32_t slot);
    // ---- pools ----
    void set_target(int pool, int units);
    void serve_unit(int pool, int32_t u);
    void maybe_off(int pool, int32_t u);
    void autoscale(int pool);
    void series_tick();
    int count_units(int pool, bool serving_only) const;
    // ---- LB keys ----
    // Slots of the LB trees: unit × DP ranks + rank, so the trees' tie order (lower slot) is lower unit, then rank.
    int32_t pf_slot(int32_t u, int32_t r) const { return u * in_.prefill.dp_ranks + r; }
    int32_t dec_slot(int32_t u, int32_t r) const { return u * in_.decode.dp_ranks + r; }
    void pf_key_erase(int32_t u, int32_t r) { pf_lb_.clear(pf_slot(u, r)); }
    void pf_key_insert(int32_t u, int32_t r) {
        if (pf_[u].status == UnitStatus::Serving) pf_lb_.set(pf_slot(u, r), pf_[u].ranks[r].queued_tokens);
    }
    // The decode LB's load of a rank: max(KV / capacity, requests / max batch), the KV as reserved (reserve) or
    // as held at the unit's next step (preempt_recompute). The key is stored as inserted: in
    // preempt_recompute a rank's KV grows with every step, and the LB sees it as of its last admission or release.
    double dec_score(int32_t u, int32_t r) const {
        const DecodeRank& d = dec_[u].ranks[r];
        const double kv     = preempt_ ? kv_used(u, r, dec_[u].k) : double(d.kv_reserved);
        return std::max(kv / double(in_.decode.kv_capacity_tokens_per_rank),
                        double(d.committed) / double(cfg_.max_batch_per_rank));
    }
    void dec_key_erase(int32_t u, int32_t r) { dec_lb_.clear(dec_slot(u, r)); }
    void dec_key_insert(int32_t u, int32_t r) {
        DecodeRank& d = dec_[u].ranks[r];
        if (dec_[u].status != UnitStatus::Serving) return;
        d.lb_load = dec_score(u, r);
        dec_lb_.set(dec_slot(u, r), {d.lb_load, d.committed});
    }
    void hist_add(DecodeUnit& du, int64_t from, int64_t to);
    int32_t alloc(const Request& r);

    const ReplayInputs& in_;
    const ServingConfig& cfg_;
    RequestSource& src_;
    RecordSink& sink_;
    const bool colocated_;
    const bool preempt_; // kv_policy preempt_recompute
    PrefixCache cache_;
    EventQueue q_;
    uint64_t seq_       = 0;
    uint64_t admit_seq_ = 0; // decode admissions so far (preemption order)
    double now_         = 0;
    Request next_;
    bool has_next_ = false;
    std::vector<Live> live_;
    std::vector<int32_t> free_;
    int64_t n_live_ = 0;
    std::vector<PrefillUnit> pf_;
    std::vector<DecodeUnit> dec_;
    RankMinTree<int64_t> pf_lb_;                     // serving prefill ranks by queued tokens
    RankMinTree<std::pair<double, int64_t>> dec_lb_; // serving decode ranks by (load, committed)
    std::deque<int32_t> router_wait_, decode_wait_;
    int64_t prefill_queued_requests_ = 0;
    double period_busy_s_[2]         = {0, 0};
    ReplaySummary sum_;
    SeriesRow row_;
    DriftClock pf_clock_{in_.prefill.drift}, dec_clock_{in_.decode.drift}; // expert-load drift per pool
    LatencySketch period_ttft_, period_tpot_;
};

int32_t Replayer::alloc(const Request& r) {
    int32_t s;
    if (!free_.empty()) {
        s = free_.back();
        free_.pop_back();
    } else {
        s = int32_t(live_.size());
        live_.emplace_back();
    }
    Live& l     = live_[std::size_t(s)];
    l           = Live{};
    l.id        = r.id;
    l.arrival_s = r.arrival_s;
    l.input     = r.input_tokens;
    l.output    = r.output_tokens;
    l.tenant    = r.tenant;
    l.kv_need   = r.input_tokens + r.output_tokens;
    ++n_live_;
    return s;
}

void Replayer::read_next() {
    has_next_ = src_.next(next_) && next_.arrival_s < cfg_.duration_s;
    if (has_next_) push(next_.arrival_s, Ev::Arrival);
}

void Replayer::on_arrival() {
    const Request& r = next_;
    if (r.input_tokens + r.output_tokens > in_.decode.kv_capacity_tokens_per_rank)
        throw ConfigError("request " + std::to_string(r.id) + " needs " +
                          std::to_string(r.input_tokens + r.output_tokens) +
                          " KV tokens, more than a decode rank holds (" +
                          std::to_string(in_.decode.kv_capacity_tokens_per_rank) + "): it could never be served");
    const int32_t slot = alloc(r);
    Live& l            = live_[std::size_t(slot)];
    ++sum_.requests_in;
    ++row_.arrivals;
    row_.input_tokens += r.input_tokens;
    double fetch_s = 0;
    if (cfg_.prefix_cache.enabled && !r.prefix_blocks.empty()) {
        // Blocks are stored as the request is looked up (see README: optimistic by one prefill for a concurrent
        // request with the same prefix). At least one token is computed: it produces the first output token.
        const int64_t hit_blocks = cache_.lookup_insert(r.prefix_blocks);
        l.hit                    = std::min(hit_blocks * src_.block_tokens(), r.input_tokens - 1);
        fetch_s                  = double(l.hit) * in_.kv_bytes_per_token / cfg_.prefix_cache.read_bandwidth_Bps;
        row_.hit_tokens += l.hit;
    }
    l.prefill_left = l.input - l.hit;
    read_next(); // `r` is invalid from here
    if (fetch_s > 0)
        push(now_ + fetch_s, Ev::PrefillReady, slot);
    else if (colocated_)
        after_prefill(slot); // colocated: decode admission comes first, prefill on its rank
    else
        route_prefill(slot);
}

void Replayer::route_prefill(int32_t slot) {
    if (pf_lb_.empty()) {
        router_wait_.push_back(slot);
        return;
    }
    const int32_t u = pf_lb_.top() / in_.prefill.dp_ranks, r = pf_lb_.top() % in_.prefill.dp_ranks;
    Live& l = live_[std::size_t(slot)];
    l.pu    = u;
    l.pr    = r;
    pf_key_erase(u, r);
    PrefillRank& pr = pf_[u].ranks[r];
    pr.queue.push_back(slot);
    pr.queued_tokens += l.prefill_left;
    pf_[u].queued_tokens += l.prefill_left;
    ++prefill_queued_requests_;
    pf_key_insert(u, r);
    if (!pf_[u].stepping) start_prefill_step(u);
}

// Every DP rank fills one step with up to prefill_tokens_per_rank tokens from its queue, in order (a request
// may be split over steps); the step lasts as long as the busiest rank needs.
int64_t Replayer::take_prefill_chunk(std::deque<int32_t>& queue, int64_t budget, double& attended, double& cached,
                                     std::vector<int32_t>& finishing) {
    int64_t taken = 0;
    for (std::size_t i = 0; i < queue.size() && budget > 0; ++i) {
        Live& l             = live_[std::size_t(queue[i])];
        const int64_t chunk = std::min(l.prefill_left, budget);
        if (l.prefill_done == 0) l.prefill_start_s = now_;
        // Each new token attends the cached prefix, the tokens computed before and those before it here.
        attended += double(chunk) * (double(l.hit + l.prefill_done) + double(chunk + 1) / 2);
        cached += double(l.hit + l.prefill_done); // keys already in the KV cache (StepShape::cached_per_token)
        l.prefill_done += chunk;
        l.prefill_left -= chunk;
        budget -= chunk;
        taken += chunk;
    }
    while (!queue.empty() && live_[std::size_t(queue.front())].prefill_left == 0) {
        finishing.push_back(queue.front());
        queue.pop_front();
        --prefill_queued_requests_;
    }
    return taken;
}

void Replayer::start_prefill_step(int32_t u) {
    PrefillUnit& pu = pf_[u];
    if (pu.queued_tokens == 0) {
        maybe_off(kPrefillPool, u);
        return;
    }
    int64_t max_tokens = 0, total = 0;
    double attended = 0, cached = 0;
    for (int32_t r = 0; r < int32_t(pu.ranks.size()); ++r) {
        PrefillRank& pr = pu.ranks[r];
        if (pr.queued_tokens == 0) continue;
        pf_key_erase(u, r);
        const int64_t taken =
            take_prefill_chunk(pr.queue, cfg_.prefill_tokens_per_rank, attended, cached, pu.finishing);
        pr.queued_tokens -= taken;
        pu.queued_tokens -= taken;
        pf_key_insert(u, r);
        max_tokens = std::max(max_tokens, taken);
        total += taken;
    }
    const double t = pf_clock_.step_s(
        u, now_, double(max_tokens),
        in_.prefill.step->step_s({double(max_tokens), attended / double(total), cached / double(total)}));
    pu.stepping = true;
    sum_.prefill_busy_s += t;
    period_busy_s_[kPrefillPool] += t;
    ++sum_.prefill_steps;
    push(now_ + t, Ev::PrefillStepEnd, u);
}

void Replayer::end_prefill_step(int32_t u) {
    PrefillUnit& pu = pf_[u];
    pu.stepping     = false;
    std::vector<int32_t> done;
    done.swap(pu.finishing);
    for (const int32_t slot : done) {
        if (live_[std::size_t(slot)].preemptions == 0) live_[std::size_t(slot)].first_token_s = now_;
        if (live_[std::size_t(slot)].output == 1)
            complete(slot);
        else
            after_prefill(slot);
    }
    start_prefill_step(u);
}

// Disaggregated: the prefill is done and the request waits for decode space (FIFO behind earlier waiters).
// Colocated: the request has arrived and waits for a rank to hold its KV before its chunked prefill.
void Replayer::after_prefill(int32_t slot) {
    if (!decode_wait_.empty() || !admit(slot)) {
        live_[std::size_t(slot)].waited = true;
        decode_wait_.push_back(slot);
    }
}

// Decode LB: the rank with the lowest max(KV reserved / capacity, requests / max batch), fewer requests first
// on ties. The request's whole KV (input + output) is reserved, so a rank never runs out mid-decode.
bool Replayer::admit(int32_t slot) {
    if (dec_lb_.empty()) return false;
    Live& l         = live_[std::size_t(slot)];
    const int32_t u = dec_lb_.top() / in_.decode.dp_ranks, r = dec_lb_.top() % in_.decode.dp_ranks;
    DecodeRank& d = dec_[u].ranks[r];
    // reserve: the whole KV fits beside what is reserved; preempt_recompute: the KV it joins with fits beside
    // what the rank holds at the end of its next step.
    const int64_t need = admit_kv(l);
    const double held  = preempt_ ? kv_used(u, r, dec_[u].k + 1) : double(d.kv_reserved);
    if (held + double(need) > double(in_.decode.kv_capacity_tokens_per_rank) || d.committed >= cfg_.max_batch_per_rank)
        return false;
    dec_key_erase(u, r);
    d.kv_reserved += need;
    ++d.committed;
    ++dec_[u].committed;
    l.admit_seq                 = admit_seq_++;
    sum_.max_kv_reserved_tokens = std::max(sum_.max_kv_reserved_tokens, int64_t(std::ceil(held)) + need);
    dec_key_insert(u, r);
    l.du = u;
    l.dr = r;
    if (colocated_) {
        d.prefill_queue.push_back(slot);
        d.prefill_tokens += l.prefill_left;
        dec_[u].prefill_tokens += l.prefill_left;
        ++prefill_queued_requests_;
        if (!dec_[u].stepping) start_decode_step(u);
        return true;
    }
    // KV transfer from the prefill rank's NIC (one transfer at a time per NIC, in admission order).
    PrefillRank& pr    = pf_[l.pu].ranks[l.pr];
    const double start = std::max(now_, pr.nic_free_s);
    pr.nic_free_s      = start + double(l.input + l.decoded) * in_.kv_bytes_per_token / in_.prefill.nic_Bps;
    l.kv_start_s       = start;
    l.kv_done_s        = pr.nic_free_s;
    push(pr.nic_free_s, Ev::TransferDone, slot);
    return true;
}

void Replayer::drain_decode_wait() {
    while (!decode_wait_.empty() && admit(decode_wait_.front()))
        decode_wait_.pop_front();
}

void Replayer::join_decode(int32_t slot) {
    const Live& l = live_[std::size_t(slot)];
    dec_[l.du].joins.push_back(slot);
    if (!dec_[l.du].stepping) start_decode_step(l.du);
}

void Replayer::hist_add(DecodeUnit& du, int64_t from, int64_t to) {
    --du.hist[std::size_t(from)];
    ++du.hist[std::size_t(to)];
    if (to > du.max_batch) du.max_batch = to;
    while (du.max_batch > 0 && du.hist[std::size_t(du.max_batch)] == 0)
        --du.max_batch;
}

// Every DP rank steps together: the step takes the decode model's time at the busiest rank's batch and the
// unit's mean KV length, plus (colocated) the prefill model's time for the largest chunk of the step.
void Replayer::start_decode_step(int32_t u) {
    DecodeUnit& du = dec_[u];
    for (const int32_t slot : du.joins) {
        Live& l       = live_[std::size_t(slot)];
        DecodeRank& d = du.ranks[l.dr];
        // One stream per request (and per resumption after a preemption): order-independent draws.
        Rng rng(in_.seed ^ 0x5EC0DE5ull, uint64_t(l.id) + 1 + (uint64_t(l.preemptions) << 40));
        const int64_t tokens = l.output - 1 - l.decoded; // the first came with the prefill
        const int64_t steps  = draw_decode_steps(tokens, in_.mtp, rng);
        l.ctx0               = double(l.input + 1 + l.decoded);
        l.rate               = double(tokens) / double(steps);
        l.kjoin              = du.k;
        const double a       = l.ctx0 - l.rate * double(du.k);
        d.A += a;
        d.B += l.rate;
        du.A += a;
        du.B += l.rate;
        hist_add(du, d.batch, d.batch + 1);
        ++d.batch;
        ++du.batch;
        du.finish.push({du.k + steps - 1, slot});
        l.kfinish  = du.k + steps - 1;
        l.in_batch = true;
        if (preempt_) { // its KV is counted by A + B k from now on
            d.kv_reserved -= admit_kv(l);
            d.batch_order.insert({l.admit_seq, slot});
        }
    }
    du.joins.clear();
    if (preempt_) preempt_overflowing(u);
    double t = 0;
    if (du.batch > 0)
        t = dec_clock_.step_s(
            u, now_, double(du.max_batch),
            in_.decode.step->step_s({double(du.max_batch), (du.A + du.B * double(du.k)) / double(du.batch)}));
    if (colocated_ && du.prefill_tokens > 0) {
        int64_t max_chunk = 0, total = 0;
        double attended = 0, cached = 0;
        for (DecodeRank& d : du.ranks) {
            if (d.prefill_tokens == 0) continue;
            const int64_t taken =
                take_prefill_chunk(d.prefill_queue, cfg_.chunk_tokens, attended, cached, du.finishing);
            d.prefill_tokens -= taken;
            du.prefill_tokens -= taken;
            max_chunk = std::max(max_chunk, taken);
            total += taken;
        }
        t += pf_clock_.step_s(
            u, now_, double(max_chunk),
            in_.prefill.step->step_s({double(max_chunk), attended / double(total), cached / double(total)}));
    }
    if (t == 0) {
        maybe_off(kDecodePool, u);
        return;
    }
    du.stepping = true;
    sum_.decode_busy_s += t;
    period_busy_s_[kDecodePool] += t;
    ++sum_.decode_steps;
    push(now_ + t, Ev::DecodeStepEnd, u);
}

void Replayer::end_decode_step(int32_t u) {
    DecodeUnit& du = dec_[u];
    du.stepping    = false;
    while (!du.finish.empty() && du.finish.top().first == du.k) {
        const int32_t slot = du.finish.top().second;
        du.finish.pop();
        const Live& l = live_[std::size_t(slot)]; // a preempted request leaves its entry behind
        if (l.in_batch && l.du == u && l.kfinish == du.k) complete(slot);
    }
    ++du.k;
    std::vector<int32_t> done;
    done.swap(du.finishing);
    for (const int32_t slot : done) { // colocated: prefill finished in this step
        if (live_[std::size_t(slot)].preemptions == 0) live_[std::size_t(slot)].first_token_s = now_;
        if (live_[std::size_t(slot)].output == 1)
            complete(slot);
        else
            du.joins.push_back(slot);
    }
    drain_decode_wait();
    if (!dec_[u].stepping) start_decode_step(u);
}

void Replayer::release_decode(Live& l) {
    DecodeUnit& du = dec_[l.du];
    DecodeRank& d  = du.ranks[l.dr];
    dec_key_erase(l.du, l.dr);
    if (l.in_batch) {
        const double a = l.ctx0 - l.rate * double(l.kjoin);
        d.A -= a;
        d.B -= l.rate;
        du.A -= a;
        du.B -= l.rate;
        hist_add(du, d.batch, d.batch - 1);
        --d.batch;
        --du.batch;
        if (du.batch == 0) du.A = du.B = 0; // no rounding drift left behind
        if (d.batch == 0) d.A = d.B = 0;
        l.in_batch = false;
        if (preempt_) d.batch_order.erase({l.admit_seq, int32_t(&l - live_.data())});
    } else if (preempt_) {
        d.kv_reserved -= admit_kv(l); // admitted, never joined (colocated: a single output token)
    }
    if (!preempt_) d.kv_reserved -= l.kv_need;
    --d.committed;
    --du.committed;
    dec_key_insert(l.du, l.dr);
}

// ---- preemption (kv_policy preempt_recompute) ----

// KV tokens rank r of unit u holds at the end of step k: the admitted requests not yet in its batch, and its
// batch's A + B k (each request's KV grows by its tokens per step).
double Replayer::kv_used(int32_t u, int32_t r, int64_t k) const {
    const DecodeRank& d = dec_[u].ranks[r];
    return double(d.kv_reserved) + d.A + d.B * double(k);
}

// Before step k of unit u: every rank whose KV would exceed its capacity by the step's end preempts its most
// recently admitted decoding requests until it fits. The admitted-but-not-joined requests' KV never exceeds the
// capacity (admission checks it), so emptying the batch always fits. A rank's first request is preempted only
// when the later-admitted requests in transfer leave no room for its growth.
void Replayer::preempt_overflowing(int32_t u) {
    DecodeUnit& du     = dec_[u];
    const double cap   = double(in_.decode.kv_capacity_tokens_per_rank);
    const double slack = 1e-9 * std::max(1.0, cap); // the rounding of A + B k, far below one token
    for (int32_t r = 0; r < int32_t(du.ranks.size()); ++r) {
        DecodeRank& d = du.ranks[r];
        while (d.batch > 0 && kv_used(u, r, du.k + 1) > cap + slack)
            preempt(u, r, std::prev(d.batch_order.end())->second);
        sum_.max_kv_reserved_tokens =
            std::max(sum_.max_kv_reserved_tokens, int64_t(std::ceil(kv_used(u, r, du.k + 1) - slack)));
    }
}

// The request leaves its decode batch with the tokens it produced (floor of its steps × tokens per step, fewer
// than its remaining output since it had a step left), frees its KV and is re-queued, through its prefix-cache
// fetch, for a prefill of its prompt and every token generated so far; it then decodes the rest.
void Replayer::preempt(int32_t u, int32_t r, int32_t slot) {
    Live& l = live_[std::size_t(slot)];
    MOETWIN_ASSERT(l.in_batch && l.du == u && l.dr == r, "preempting a request outside the rank's batch");
    const int64_t produced = int64_t(std::floor(l.rate * double(dec_[u].k - l.kjoin)));
    release_decode(l); // out of the batch (A, B, histogram, LB key); the request stays live
    l.decoded += produced;
    ++l.preemptions;
    l.du = l.dr    = -1;
    l.prefill_done = 0;
    l.prefill_left = l.input + 1 + l.decoded - l.hit;
    l.kv_start_s = l.kv_done_s = -1;
    sum_.preemptions += 1;
    sum_.preempted_requests += l.preemptions == 1;
    sum_.recomputed_tokens += l.prefill_left;
    ++row_.preemptions;
    // An event, not a call: admission (colocated) may pick this very unit, which is starting its step.
    const double fetch_s =
        l.hit > 0 ? double(l.hit) * in_.kv_bytes_per_token / cfg_.prefix_cache.read_bandwidth_Bps : 0;
    push(now_ + fetch_s, Ev::PrefillReady, slot);
}

void Replayer::complete(int32_t slot) {
    Live& l = live_[std::size_t(slot)];
    RequestRecord rec;
    rec.id            = l.id;
    rec.arrival_s     = l.arrival_s;
    rec.input_tokens  = l.input;
    rec.output_tokens = l.output;
    rec.hit_tokens    = l.hit;
    rec.tenant        = l.tenant;
    rec.ttft_s        = l.first_token_s - l.arrival_s;
    rec.e2e_s         = now_ - l.arrival_s;
    rec.tpot_s        = l.output > 1 ? (now_ - l.first_token_s) / double(l.output - 1) : 0;
    rec.prefill_unit  = l.pu;
    rec.prefill_rank  = l.pr;
    rec.decode_unit   = l.du;
    rec.decode_rank   = l.dr;
    rec.waited_for_kv = l.waited;
    rec.preemptions   = l.preemptions;

    rec.prefill_start_s = l.prefill_start_s; // the lifecycle, for trace.json
    rec.kv_start_s      = l.kv_start_s;
    rec.kv_done_s       = l.kv_done_s;
    if (l.du >= 0) release_decode(l);
    sink_.on_complete(rec);
    ++sum_.completed;
    sum_.input_tokens += l.input;
    sum_.hit_tokens += l.hit;
    sum_.output_tokens += l.output;
    sum_.kv_token_products += double(l.output) * (double(l.input) + 0.5 * double(l.output));
    sum_.waited_for_kv += l.waited ? 1 : 0;
    sum_.ttft.add(rec.ttft_s);
    sum_.e2e.add(rec.e2e_s);
    period_ttft_.add(rec.ttft_s);
    if (l.output > 1) {
        sum_.tpot.add(rec.tpot_s);
        period_tpot_.add(rec.tpot_s);
    }
    if (rec.ttft_s <= cfg_.slo.ttft_s && rec.tpot_s <= cfg_.slo.tpot_s) ++sum_.slo_met;
    ++row_.completed;
    row_.output_tokens += l.output;
    --n_live_;
    free_.push_back(slot);
}

int Replayer::count_units(int pool, bool serving_only) const {
    int n             = 0;
    const auto counts = [&](UnitStatus st) {
        return st == UnitStatus::Serving || (!serving_only && st == UnitStatus::Joining);
    };
    if (pool == kPrefillPool)
        for (const PrefillUnit& u : pf_)
            n += counts(u.status);
    else
        for (const DecodeUnit& u : dec_)
            n += counts(u.status);
    return n;
}

// Units wanted from now on: new ones load weights for the join delay (paid from now); removed ones stop
// taking requests (those still loading first) and leave once drained.
void Replayer::set_target(int pool, int units) {
    const bool pre       = pool == kPrefillPool;
    const PoolConfig& pc = pre ? cfg_.prefill : cfg_.decode;
    const double delay   = pc.autoscale ? pc.policy.join_delay_s : pc.join_delay_s;
    int have             = count_units(pool, false);
    const auto status    = [&](int32_t u) -> UnitStatus& { return pre ? pf_[u].status : dec_[u].status; };
    const int32_t n      = int32_t(pre ? pf_.size() : dec_.size());
    for (int32_t u = 0; u < n && have < units; ++u) { // reuse a unit that is off
        if (status(u) != UnitStatus::Off) continue;
        status(u)                                        = UnitStatus::Joining;
        (pre ? pf_[u].paid_from_s : dec_[u].paid_from_s) = now_;
        ++have;
        if (now_ == 0 || delay == 0)
            serve_unit(pool, u);
        else
            push(now_ + delay, Ev::UnitServe, pool, u);
    }
    while (have < units) {
        const int32_t u = int32_t(pre ? pf_.size() : dec_.size());
        if (pre) {
            pf_.emplace_back();
            pf_.back().ranks.resize(std::size_t(in_.prefill.dp_ranks));
            pf_lb_.resize(int32_t(pf_.size()) * in_.prefill.dp_ranks);
        } else {
            dec_.emplace_back();
            dec_.back().ranks.resize(std::size_t(in_.decode.dp_ranks));
            dec_lb_.resize(int32_t(dec_.size()) * in_.decode.dp_ranks);
            dec_.back().hist.assign(std::size_t(cfg_.max_batch_per_rank) + 1, 0);
            dec_.back().hist[0] = in_.decode.dp_ranks;
        }
        status(u)                                        = UnitStatus::Joining;
        (pre ? pf_[u].paid_from_s : dec_[u].paid_from_s) = now_;
        ++have;
        if (now_ == 0 || delay == 0)
            serve_unit(pool, u);
        else
            push(now_ + delay, Ev::UnitServe, pool, u);
    }
    for (int pass = 0; pass < 2 && have > units; ++pass) // loading units first, then the newest serving ones
        for (int32_t u = n - 1; u >= 0 && have > units; --u) {
            if (status(u) != (pass == 0 ? UnitStatus::Joining : UnitStatus::Serving)) continue;
            if (pass == 1) {
                const int32_t ranks = pre ? in_.prefill.dp_ranks : in_.decode.dp_ranks;
                for (int32_t r = 0; r < ranks; ++r)
                    pre ? pf_key_erase(u, r) : dec_key_erase(u, r);
            }
            status(u) = UnitStatus::Draining;
            --have;
            maybe_off(pool, u);
        }
}

void Replayer::serve_unit(int pool, int32_t u) {
    if (pool == kPrefillPool) {
        if (pf_[u].status != UnitStatus::Joining) return; // removed while loading
        pf_[u].status = UnitStatus::Serving;
        for (int32_t r = 0; r < in_.prefill.dp_ranks; ++r)
            pf_key_insert(u, r);
        std::deque<int32_t> waiting;
        waiting.swap(router_wait_);
        for (const int32_t slot : waiting)
            route_prefill(slot);
    } else {
        if (dec_[u].status != UnitStatus::Joining) return;
        dec_[u].status = UnitStatus::Serving;
        for (int32_t r = 0; r < in_.decode.dp_ranks; ++r)
            dec_key_insert(u, r);
        drain_decode_wait();
    }
}

// A draining unit leaves (stops being paid) once it holds no request.
void Replayer::maybe_off(int pool, int32_t u) {
    double* node_s = nullptr;
    double from    = 0;
    int nodes      = 0;
    if (pool == kPrefillPool) {
        PrefillUnit& p = pf_[u];
        const bool nic_busy =
            std::any_of(p.ranks.begin(), p.ranks.end(), [&](const PrefillRank& r) { return r.nic_free_s > now_; });
        if (!(p.status == UnitStatus::Draining && !p.stepping && p.queued_tokens == 0 && !nic_busy)) return;
        p.status = UnitStatus::Off;
        node_s   = &sum_.prefill_node_s;
        from     = p.paid_from_s;
        nodes    = in_.prefill.nodes;
    } else {
        DecodeUnit& d = dec_[u];
        if (!(d.status == UnitStatus::Draining && !d.stepping && d.committed == 0)) return;
        d.status = UnitStatus::Off;
        node_s   = &sum_.decode_node_s;
        from     = d.paid_from_s;
        nodes    = in_.decode.nodes;
    }
    *node_s += (std::min(now_, cfg_.duration_s) - from) * nodes;
}
// Utilisation over the last period: prefill, the share of its serving units' time spent stepping; decode, the
// mean over serving ranks of max(KV reserved / capacity, requests / max batch). Requests waiting for the pool
// count as full use.
void Replayer::autoscale(int pool) {
    const bool pre             = pool == kPrefillPool;
    const AutoscalePolicy& pol = (pre ? cfg_.prefill : cfg_.decode).policy;
    const int serving          = count_units(pool, true);
    double util                = 0;
    if (pre) {
        util = serving > 0 ? period_busy_s_[kPrefillPool] / (pol.period_s * serving) : 1;
        if (!router_wait_.empty()) util = std::max(util, 1.0);
    } else {
        double load = 0;
        int64_t n   = 0;
        for (int32_t u = 0; u < int32_t(dec_.size()); ++u) {
            if (dec_[u].status != UnitStatus::Serving) continue;
            for (int32_t r = 0; r < int32_t(dec_[u].ranks.size()); ++r)
                load += dec_score(u, r);
            n += int64_t(dec_[u].ranks.size());
        }
        util = n > 0 ? load / double(n) : 1;
        if (!decode_wait_.empty()) util = std::max(util, 1.0);
    }
    period_busy_s_[pool] = 0;
    const int active     = std::max(1, count_units(pool, false));
    const int want =
        std::clamp(int(std::ceil(active * util / pol.target_utilization - 1e-9)), pol.min_units, pol.max_units);
    if (want != count_units(pool, false)) set_target(pool, want);
    if (now_ + pol.period_s < cfg_.duration_s) push(now_ + pol.period_s, Ev::Autoscale, pool);
}

void Replayer::series_tick() {
    int64_t reserved = 0, capacity = 0;
    double pnodes = 0, dnodes = 0;
    for (const PrefillUnit& u : pf_)
        if (u.status != UnitStatus::Off) pnodes += in_.prefill.nodes;
    for (const DecodeUnit& u : dec_) {
        if (u.status == UnitStatus::Off) continue;
        dnodes += in_.decode.nodes;
        if (u.status != UnitStatus::Serving) continue;
        for (const DecodeRank& d : u.ranks) // preempt_recompute: the batch's KV is A + B k
            reserved += d.kv_reserved + (preempt_ ? int64_t(d.A + d.B * double(u.k)) : 0);
        capacity += int64_t(u.ranks.size()) * in_.decode.kv_capacity_tokens_per_rank;
    }
    row_.t_s           = now_;
    row_.prefill_nodes = pnodes;
    row_.decode_nodes  = dnodes;
    row_.queued        = int64_t(router_wait_.size() + decode_wait_.size()) + prefill_queued_requests_;
    row_.kv_use        = capacity > 0 ? double(reserved) / double(capacity) : 0;
    row_.ttft_p50_s    = period_ttft_.quantile(0.5);
    row_.ttft_p99_s    = period_ttft_.quantile(0.99);
    row_.tpot_p50_s    = period_tpot_.quantile(0.5);
    row_.tpot_p99_s    = period_tpot_.quantile(0.99);
    const double mid_s = now_ - 0.5 * cfg_.series_period_s; // the period's loads
    drift_at(in_.prefill.drift, mid_s, row_.prefill_expert_busiest_over_mean, row_.prefill_step_factor);
    drift_at(in_.decode.drift, mid_s, row_.decode_expert_busiest_over_mean, row_.decode_step_factor);
    sum_.series.push_back(row_);
    row_ = SeriesRow{};
    period_ttft_.clear();
    period_tpot_.clear();
    if (now_ + cfg_.series_period_s <= cfg_.duration_s + 1e-9) push(now_ + cfg_.series_period_s, Ev::SeriesTick);
}

ReplaySummary Replayer::run() {
    for (int pool = colocated_ ? kDecodePool : kPrefillPool; pool <= kDecodePool; ++pool) {
        const PoolConfig& pc = pool == kPrefillPool ? cfg_.prefill : cfg_.decode;
        if (pc.autoscale) {
            set_target(pool, pc.policy.initial_units);
            push(pc.policy.period_s, Ev::Autoscale, pool);
        } else {
            set_target(pool, pc.schedule.front().units); // the day starts with its first units serving
            for (std::size_t i = 1; i < pc.schedule.size(); ++i)
                push(pc.schedule[i].at_s, Ev::PoolTarget, pool, pc.schedule[i].units);
        }
    }
    push(cfg_.series_period_s, Ev::SeriesTick);
    read_next();
    while (!q_.empty() && q_.top().t_s <= cfg_.duration_s) {
        const Event e = q_.top();
        q_.pop();
        now_ = e.t_s;
        switch (e.kind) {
        case Ev::Arrival:
            on_arrival();
            break;
        case Ev::PrefillReady:
            if (colocated_)
                after_prefill(e.a);
            else
                route_prefill(e.a);
            break;
        case Ev::PrefillStepEnd:
            end_prefill_step(e.a);
            break;
        case Ev::TransferDone: {
            const Live& l = live_[std::size_t(e.a)];
            if (pf_[l.pu].status == UnitStatus::Draining) maybe_off(kPrefillPool, l.pu);
            join_decode(e.a);
            break;
        }
        case Ev::DecodeStepEnd:
            end_decode_step(e.a);
            break;
        case Ev::PoolTarget:
            set_target(e.a, int(e.b));
            break;
        case Ev::UnitServe:
            serve_unit(e.a, int32_t(e.b));
            break;
        case Ev::Autoscale:
            autoscale(e.a);
            break;
        case Ev::SeriesTick:
            series_tick();
            break;
        }
    }
    now_ = cfg_.duration_s;
    for (const PrefillUnit& u : pf_) // units still paid at the end of the day
        if (u.status != UnitStatus::Off) sum_.prefill_node_s += (now_ - u.paid_from_s) * in_.prefill.nodes;
    for (const DecodeUnit& u : dec_)
        if (u.status != UnitStatus::Off) sum_.decode_node_s += (now_ - u.paid_from_s) * in_.decode.nodes;
    sum_.unfinished      = n_live_;
    sum_.cache_evictions = cache_.evictions();
    return std::move(sum_);
}

} // namespace

ReplaySummary replay(const ReplayInputs& in, RequestSource& source, RecordSink& sink) {
    return Replayer(in, source, sink).run();
}

} // namespace moetwin::serving
