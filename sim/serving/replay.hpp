// SPDX-License-Identifier: Apache-2.0
// The serving replay (`moetwin serve`, issue 17): every request of a traffic source through a prefill/decode
// cluster over time, event by event (a binary-heap event queue; O(log n) per request event, nothing per token
// and nothing per request per step). See sim/serving/README.md for the model and what it leaves out.
#pragma once

#include "sim/serving/drift/step_drift.hpp"
#include "sim/serving/latency_sketch.hpp"
#include "sim/serving/mtp_steps.hpp"
#include "sim/serving/request_source.hpp"
#include "sim/serving/serving_config.hpp"
#include "sim/serving/step_time_model.hpp"

#include <cstdint>
#include <vector>

namespace moetwin::serving {

// What the replay needs of one pool's unit, derived from the scenario by the caller (serve_setup.hpp).
struct PoolUnit {
    int nodes                           = 1;
    int gpus                            = 8;
    int dp_ranks                        = 8;
    int64_t kv_capacity_tokens_per_rank = 0; // decode (and colocated) ranks: KV tokens beside the weights
    double nic_Bps                      = 0; // one rank's IB bandwidth (KV transfer from a prefill rank)
    // Seconds per step of this unit. Colocated mode uses decode_step for the decode batch and prefill_step
    // for the chunk of the same unit. Borrowed: the caller keeps them alive for the replay.
    const StepTimeModel* step = nullptr;
    // Expert-load drift (sim/serving/drift/step_drift.hpp): each step's factor and re-placement pauses, and the
    // series' per-GPU expert load. Borrowed; nullptr: none (factor 1, the series' expert columns 0).
    const StepDrift* drift = nullptr;
};

struct ReplayInputs {
    ServingConfig config;
    PoolUnit prefill; // disaggregated: the prefill units; colocated: `step` times the prefill chunk
    PoolUnit decode;
    double kv_bytes_per_token = 0; // one request's KV per token over all layers (memory fit; transfer, cache)
    MtpLaw mtp;
    uint64_t seed = 1;
};

// One completed request (a CSV row).
struct RequestRecord {
    int64_t id           = 0;
    double arrival_s     = 0;
    int64_t input_tokens = 0, output_tokens = 0, hit_tokens = 0;
    int32_t tenant = 0;
    double ttft_s = 0, tpot_s = 0, e2e_s = 0; // tpot_s: 0 for a single-token output
    int32_t prefill_unit = -1, prefill_rank = -1, decode_unit = -1, decode_rank = -1;
    bool waited_for_kv  = false; // waited for decode KV or batch space after its prefill
    int32_t preemptions = 0;     // kv_policy preempt_recompute: times preempted (each: a recompute prefill)
    // Lifecycle (the request trace, serve_trace.hpp); -1 where a stage did not happen (colocated: no KV
    // transfer; its prefill start is the first decode step that holds a chunk of it).
    double prefill_start_s = -1;            // the first prefill step holding a token of it starts
    double kv_start_s = -1, kv_done_s = -1; // KV transfer over the prefill rank's NIC (decode joins after)
};

class RecordSink {
  public:
    virtual ~RecordSink()                          = default;
    virtual void on_complete(const RequestRecord&) = 0;
};

// One row of the time series (every series_period_s).
struct SeriesRow {
    double t_s       = 0;
    int64_t arrivals = 0, input_tokens = 0, output_tokens = 0, completed = 0; // within the period
    int64_t hit_tokens   = 0;                   // prefix-cache hit tokens of the period's arrivals
    double prefill_nodes = 0, decode_nodes = 0; // at its end (paid units)
    int64_t queued    = 0; // requests waiting (router, prefill queues, decode admission) at its end
    double kv_use     = 0; // reserved KV / capacity of the serving decode ranks at its end
    double ttft_p50_s = 0, ttft_p99_s = 0, tpot_p50_s = 0, tpot_p99_s = 0; // requests completed in it
    // Per-GPU expert load of each pool's placement under the period's loads (busiest GPU / mean, mean over MoE
    // layers) and the step-time factor it costs (PoolUnit::drift; 0 without one).
    double prefill_expert_busiest_over_mean = 0, prefill_step_factor = 0;
    double decode_expert_busiest_over_mean = 0, decode_step_factor = 0;
    int64_t preemptions = 0; // decode preemptions within the period (kv_policy preempt_recompute)
};

struct ReplaySummary {
    int64_t requests_in = 0, completed = 0, unfinished = 0;      // in = completed + unfinished
    int64_t input_tokens = 0, hit_tokens = 0, output_tokens = 0; // of completed requests
    // Sum over completed requests of output × (input + output / 2): the KV tokens its output tokens attend,
    // summed (Day-6's "average KV length per output token" is this over output_tokens).
    double kv_token_products = 0;
    int64_t waited_for_kv    = 0; // requests that waited for decode KV/batch
    int64_t slo_met          = 0;
    LatencySketch ttft, tpot, e2e;
    double prefill_node_s = 0, decode_node_s = 0; // node-seconds paid within [0, duration]
    double prefill_busy_s = 0, decode_busy_s = 0; // unit-seconds stepping
    int64_t prefill_steps = 0, decode_steps = 0;
    int64_t max_kv_reserved_tokens      = 0; // on any rank, ever
    int64_t kv_capacity_tokens_per_rank = 0;
    int64_t cache_evictions             = 0;
    // kv_policy preempt_recompute: preemptions, requests preempted at least once, prefill tokens recomputed.
    int64_t preemptions = 0, preempted_requests = 0, recomputed_tokens = 0;
    std::vector<SeriesRow> series;
};

// Contract: replays `source` (requests arriving before config.duration_s) on the cluster `in` describes,
// calls sink.on_complete once per completed request in completion order, and returns the day's figures.
// Deterministic in its inputs (ties in time are broken by event order of creation). Throws ConfigError when a
// request cannot ever be served (its KV exceeds a decode rank's whole capacity).
ReplaySummary replay(const ReplayInputs& in, RequestSource& source, RecordSink& sink);

} // namespace moetwin::serving
