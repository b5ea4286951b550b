// SPDX-License-Identifier: Apache-2.0
// The scenario's `serving` section (`moetwin serve`, issue 17), as plain structs in SI units. Parsed once in
// sim/serving/serving_json.cpp (called from sim/scenario_json.cpp); every key is documented in
// scenarios/README.md ("serving"). The units themselves are the scenario's deployment.prefill/decode.
#pragma once

#include "common/name_table.hpp"
#include "sim/serving/drift/drift_config.hpp"

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace moetwin::serving {

enum class ServingMode { Disaggregated, Colocated };
inline constexpr std::array<NameEntry<ServingMode>, 2> kServingModes = {{
    {ServingMode::Disaggregated, "disaggregated", "prefill and decode pools of their own units, KV sent over IB"},
    {ServingMode::Colocated, "colocated", "one pool of decode units, prefill chunked into the decode steps"},
}};
constexpr std::string_view to_string(ServingMode v) {
    return table_name(kServingModes, v);
}

// What a decode rank does when its KV fills (sim/serving/README.md, "Decode KV: reserve or preempt").
enum class KvPolicy { Reserve, PreemptRecompute };
inline constexpr std::array<NameEntry<KvPolicy>, 2> kKvPolicies = {{
    {KvPolicy::Reserve, "reserve", "admit a request only when its whole KV (input + output) fits: wait, never preempt"},
    {KvPolicy::PreemptRecompute, "preempt_recompute",
     "admit on the KV held now; when a rank's KV would overflow, preempt its most recently admitted decoding "
     "requests and re-queue them for a prefill of prompt + generated tokens (vLLM's recompute)"},
}};
constexpr std::string_view to_string(KvPolicy v) {
    return table_name(kKvPolicies, v);
}

// One point of a given node schedule: from at_s on, `units` units are in service.
struct SchedulePoint {
    double at_s = 0;
    int units   = 0;
};

// Autoscaling: every period_s the pool's utilisation over the last period (prefill: busy share of the
// units' time; decode: the mean over ranks of max(KV reserved / capacity, batch / max batch)) sets the target
// ceil(active × utilisation / target_utilization) within [min_units, max_units]. Added units serve after
// join_delay_s (loading weights); removed units stop taking requests at once and leave when drained.
struct AutoscalePolicy {
    int min_units             = 1;
    int max_units             = 1;
    int initial_units         = 1;
    double period_s           = 600;
    double target_utilization = 0.7;
    double join_delay_s       = 600;
};

struct PoolConfig {
    bool autoscale = false;
    std::vector<SchedulePoint> schedule; // !autoscale: sorted by at_s, the first at 0, units >= 1 each
    AutoscalePolicy policy;              // autoscale
    double join_delay_s = 0;             // schedule: a unit counted from at_s serves from at_s + join_delay_s
};

// The on-disk KV cache (Day-6: 3FS KVCache), shared by the cluster, matching whole prefix blocks.
struct PrefixCacheConfig {
    bool enabled              = false;
    double capacity_bytes     = 0; // LRU eviction of blocks beyond it
    double read_bandwidth_Bps = 0; // per request fetch: hit bytes / this
};

struct SloConfig {
    double ttft_s = 0; // a request meets its SLO when TTFT <= ttft_s and TPOT <= tpot_s
    double tpot_s = 0;
};

// Cost and revenue. Defaults are Day-6's (DeepSeek open-infra-index, 202502OpenSourceWeek day_6 overview):
// H800 rental at $2 per GPU-hour; R1 API at $0.14 per million input tokens on a cache hit, $0.55 on a miss,
// $2.19 per million output tokens.
struct PriceConfig {
    double gpu_hour_usd            = 2.0;
    double input_hit_per_mtok_usd  = 0.14;
    double input_miss_per_mtok_usd = 0.55;
    double output_per_mtok_usd     = 2.19;
};

struct ServingConfig {
    ServingMode mode       = ServingMode::Disaggregated;
    double duration_s      = 86400; // the replay's horizon: requests arriving later are not read
    double series_period_s = 600;   // time-series interval (10 minutes)
    // serving.traffic, verbatim as compact JSON (its parser, parse_traffic, lives in sim/serving/traffic/ and
    // reads it at `moetwin serve` time with the JSON path "serving.traffic"); "" when absent.
    std::string traffic_json;
    std::filesystem::path base_dir;          // the scenario's directory: traffic paths resolve against it
    PoolConfig prefill;                      // disaggregated only
    PoolConfig decode;                       // disaggregated: decode units; colocated: the only pool
    int64_t prefill_tokens_per_rank = 16384; // prefill micro-batch budget per DP rank per step
    int64_t max_batch_per_rank      = 128;   // decode requests per DP rank
    int64_t chunk_tokens            = 2048;  // colocated: prefill tokens per rank per step
    PrefixCacheConfig prefix_cache;
    SloConfig slo;
    PriceConfig prices;
    bool requests_csv = true;
    ExpertDriftConfig expert_drift; // serving.expert_drift (sim/serving/drift/)
    KvPolicy kv_policy = KvPolicy::Reserve;
};

} // namespace moetwin::serving
