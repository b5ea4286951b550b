// SPDX-License-Identifier: Apache-2.0
// The serving replay's internal state (replay.cpp only): events, in-flight requests, units and their DP
// ranks. Plain structs; the rules live in replay.cpp.
#pragma once

#include <cstdint>
#include <deque>
#include <queue>
#include <set>
#include <utility>
#include <vector>

namespace moetwin::serving::detail {

enum class Ev : uint8_t {
    Arrival,        // the source's next request arrives
    PrefillReady,   // a request's prefix-cache hit has been fetched (a: slot)
    PrefillStepEnd, // a: prefill unit
    TransferDone,   // a request's KV reached its decode rank (a: slot)
    DecodeStepEnd,  // a: decode unit
    PoolTarget,     // a: pool (0 prefill, 1 decode), b: units wanted
    UnitServe,      // a: pool, b: unit: done loading weights
    Autoscale,      // a: pool
    SeriesTick,
};

struct Event {
    double t_s;
    uint64_t seq; // creation order: ties in time are served first come, first served (determinism)
    Ev kind;
    int32_t a;
    int64_t b;
};
struct EventLater {
    bool operator()(const Event& x, const Event& y) const { return x.t_s != y.t_s ? x.t_s > y.t_s : x.seq > y.seq; }
};
using EventQueue = std::priority_queue<Event, std::vector<Event>, EventLater>;

// One request in flight.
struct Live {
    int64_t id       = 0;
    double arrival_s = 0, first_token_s = 0;
    int64_t input = 0, output = 0, hit = 0;
    int32_t tenant       = 0;
    int64_t prefill_left = 0, prefill_done = 0; // tokens still to compute / computed
    int32_t pu = -1, pr = -1, du = -1, dr = -1; // units and ranks used
    int64_t kv_need = 0;                        // input + output tokens, reserved on the decode rank
    double ctx0 = 0, rate = 0;                  // decode: KV at join, tokens per step after
    int64_t kjoin = 0;                          // decode step index it joined at
    bool waited   = false;
    // kv_policy preempt_recompute (replay.cpp, "preemption"): decode tokens produced before its preemptions
    // (a resumed request recomputes input + 1 + decoded tokens and decodes the rest), its preemptions, its
    // admission order, whether it is in a decode batch now, and the step it finishes at there.
    int64_t decoded     = 0;
    int32_t preemptions = 0;
    uint64_t admit_seq  = 0;
    bool in_batch       = false;
    int64_t kfinish     = -1;
    // Lifecycle times for the request trace (RequestRecord): -1 where a stage did not happen.
    double prefill_start_s = -1, kv_start_s = -1, kv_done_s = -1;
};

enum class UnitStatus : uint8_t { Off, Joining, Serving, Draining };

struct PrefillRank {
    std::deque<int32_t> queue; // slots, FIFO
    int64_t queued_tokens = 0; // tokens left to compute of the queue
    double nic_free_s     = 0; // when its NIC finishes the KV transfers already started
};

struct PrefillUnit {
    UnitStatus status     = UnitStatus::Off;
    double paid_from_s    = 0;
    bool stepping         = false;
    int64_t queued_tokens = 0;
    std::vector<PrefillRank> ranks;
    std::vector<int32_t> finishing; // slots whose prefill ends with the running step
};

struct DecodeRank {
    int64_t batch       = 0; // requests in its decode batch
    int64_t committed   = 0; // admitted: in the batch, in transfer, waiting to join or (colocated) in prefill
    int64_t kv_reserved = 0; // reserve: admitted requests' whole KV; preempt_recompute: admitted, not yet joined
    double A = 0, B = 0;     // KV tokens of its batch at step k: A + B k
    double lb_load = 0;      // its decode-LB key as inserted (replay.cpp dec_key_insert)
    std::set<std::pair<uint64_t, int32_t>> batch_order; // preempt_recompute: (admit_seq, slot) of its batch
    std::deque<int32_t> prefill_queue;                  // colocated: chunked prefill, FIFO
    int64_t prefill_tokens = 0;
};

struct DecodeUnit {
    UnitStatus status  = UnitStatus::Off;
    double paid_from_s = 0;
    bool stepping      = false;
    int64_t k          = 0; // index of the next (or running) step
    int64_t batch      = 0; // requests in every rank's batch
    int64_t committed  = 0;
    double A = 0, B = 0;        // KV tokens of all batches at step k: A + B k
    std::vector<int64_t> hist;  // hist[b]: ranks with batch b
    int64_t max_batch      = 0; // busiest rank's batch
    int64_t prefill_tokens = 0; // colocated: queued prefill tokens over its ranks
    std::vector<DecodeRank> ranks;
    // Finishing step of each request in a batch: a min-heap of (step, slot).
    std::priority_queue<std::pair<int64_t, int32_t>, std::vector<std::pair<int64_t, int32_t>>, std::greater<>> finish;
    std::vector<int32_t> joins;     // slots joining at the next step start
    std::vector<int32_t> finishing; // colocated: slots whose prefill ends with the running step
};

} // namespace moetwin::serving::detail
