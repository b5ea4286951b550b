// SPDX-License-Identifier: Apache-2.0
// The plausible-range table (issue 15 defects 4 and 5). Each range is wide, one to two decades around
// today's hardware where a what-if makes sense, and narrow enough that every quantity derived from it
// stays finite and inside int64 nanoseconds and bytes: before these bounds 1e-300 GB/s of HBM aborted
// inside SimGrid, 1e300 GB/s printed as "inf GB/s", a lognormal sigma of 1000 overflowed exp(), and a
// huge latency overflowed llround() when the result was assembled. Catalogue figures: engine/gpu_spec.cpp;
// measured links: ISCA'25 (reference §4); DeepEP fits: sim/published/deepep_generation.cpp.
#include "sim/scenario_bounds.hpp"

#include "common/errors.hpp"
#include "common/json_reader.hpp" // format_number

#include <array>
#include <cmath>
#include <stdexcept>
#include <string>

namespace moetwin {
namespace {

using V = std::optional<double>;

constexpr double kGB = 1e9, kTFLOPS = 1e12, kUs = 1e-6, kNs = 1e-9;
constexpr double kGiB              = 1073741824.0;
constexpr double kMaxContextTokens = 16777216; // 2^24: four times the longest (4M-token) windows offered
constexpr double kHour = 3600, kMinute = 60, kMs = 1e-3;
constexpr double kYearH          = 24 * 365; // serving.duration_h's longest replay
constexpr double kDayMin         = 24 * 60;
constexpr double kYearMin        = 24 * 60 * 365;
constexpr double kMaxTraceTokens = 1048576;    // 2^20: kMaxRequestTokens (sim/serving/traffic/trace_fields.hpp)
constexpr double kMaxRateReqPerS = 1e7;        // kMaxRateReqPerS (sim/serving/traffic/traffic_json.cpp)
constexpr double kMaxStepTokens  = 1073741824; // 2^30: workload.tokens_per_gpu's reader bound

// Reasons shared by several rows.
constexpr std::string_view kLatencyReason =
    "measured 2.8-3.7 µs (ISCA'25 Table 5); above 10 ms a hop is a WAN, not a cluster fabric, and times stay "
    "far inside int64 ns";
constexpr std::string_view kShareReason =
    "a share of the nominal bandwidth; below 1 % the link is broken, not calibrated (DeepEP fits: 0.83-1.0)";
constexpr std::string_view kOverheadReason =
    "DeepEP fits give 0-20 µs per phase or chunk; 10 ms leaves three decades for what-ifs";
constexpr std::string_view kRateReason =
    "Day-6's token totals give about 1,800 req/s on average (derived in sim/serving/README.md, \"The Day-6 "
    "service\"); 1e7 is over three decades above, and the arrival times stay exact in a double over a year";
constexpr std::string_view kCvReason =
    "coefficient of variation of the gaps: 1 is Poisson, production traces 1-4 (BurstGPT); at 20 the gamma shape "
    "1/cv² is already 0.0025";
constexpr std::string_view kTokensReason =
    "a request's tokens: the longest context windows offered are 1 M; the trace readers' limit kMaxRequestTokens";
constexpr std::string_view kLengthSigmaReason =
    "sigma of ln tokens: measured traces are 0.5-1.5; at 5 the 99th percentile is e^11.6 × the median";
constexpr std::string_view kJoinDelayReason =
    "a new unit loads its weights and warms up in minutes; a day is procurement, not a join delay";
constexpr std::string_view kPriceReason =
    "per million tokens: R1's API charges $0.14-2.19 (Day-6); the dearest 2025 APIs $600 (o1-pro output)";

// The host bridge's values where the cluster has one (a PCIe box without NVLink), offload's where it is on,
// serving's prices where the scenario is a service.
V host_bridge(const Scenario& s, double si) {
    return s.cluster.host_bridge.bandwidth_Bps > 0 ? V(si) : std::nullopt;
}
V offload(const Scenario& s, double si) {
    return s.offload.enabled ? V(si) : std::nullopt;
}
V price(const Scenario& s, double serving::PriceConfig::*field) {
    return s.serving ? V(s.serving->prices.*field) : std::nullopt;
}

const std::array kBounds = {
    PhysicalBound{"hardware.hbm_GiB", "GiB", kGiB, 1, 4096,
                  "catalogue GPUs hold 79-186 GB; 1 GiB to 4 TiB keeps every byte count exact in a double",
                  [](const Scenario& s) -> V { return s.gpu.hbm_bytes; }},
    PhysicalBound{"hardware.hbm_bandwidth_GBps", "GB/s", kGB, 10, 100000,
                  "catalogue GPUs: 3,350 (H800) to 8,000 GB/s (B200); two decades of what-if room either way",
                  [](const Scenario& s) -> V { return s.gpu.hbm_bandwidth_Bps; }},
    PhysicalBound{"hardware.peak_tflops_bf16", "TFLOPS", kTFLOPS, 1, 100000,
                  "catalogue GPUs: 148 (H20) to 2,500 TFLOPS (GB200), dense",
                  [](const Scenario& s) -> V { return s.gpu.peak_flops_bf16; }},
    PhysicalBound{"hardware.peak_tflops_fp8", "TFLOPS", kTFLOPS, 0, 100000,
                  "catalogue GPUs: 0 (A100: no FP8 tensor cores), 296 (H20) to 5,000 TFLOPS (GB200), dense",
                  [](const Scenario& s) -> V { return s.gpu.peak_flops_fp8; }},
    PhysicalBound{"cluster.nvlink.bandwidth_GBps", "GB/s", kGB, 1, 10000,
                  "per direction: 160 achieved on H800, 900 nominal on NVLink 5",
                  [](const Scenario& s) -> V { return s.cluster.nvlink.bandwidth_Bps; }},
    PhysicalBound{"cluster.nvlink.latency_us", "µs", kUs, 0, 1000,
                  "3.33 µs on H800 (ISCA'25 Table 5); a scale-up hop above 1 ms is not NVLink",
                  [](const Scenario& s) -> V { return s.cluster.nvlink.latency_s; }},
    PhysicalBound{"cluster.pcie.bandwidth_GBps", "GB/s", kGB, 1, 1000,
                  "per direction: 64 GB/s for Gen5 x16, 256 for Gen7 x16",
                  [](const Scenario& s) -> V { return s.cluster.pcie.bandwidth_Bps; }},
    PhysicalBound{"cluster.pcie.latency_us", "µs", kUs, 0, 1000, "sub-µs in practice; 1 ms is far beyond any bus",
                  [](const Scenario& s) -> V { return s.cluster.pcie.latency_s; }},
    PhysicalBound{"cluster.host_bridge.bandwidth_GBps", "GB/s", kGB, 1, 1000,
                  "per direction: 67.2 GB/s for the 3 UPI links of a dual-socket Ice Lake-SP host (kUpiIceLakeBps); "
                  "today's widest socket links carry a few hundred",
                  [](const Scenario& s) -> V { return host_bridge(s, s.cluster.host_bridge.bandwidth_Bps); }},
    PhysicalBound{"cluster.host_bridge.latency_us", "µs", kUs, 0, 1000,
                  "a socket-to-socket hop takes about 0.1 µs; 1 ms is far beyond any host",
                  [](const Scenario& s) -> V { return host_bridge(s, s.cluster.host_bridge.latency_s); }},
    PhysicalBound{"cluster.ib.bandwidth_GBps", "GB/s", kGB, 1, 10000,
                  "per NIC and direction: 50 GB/s for 400 Gb/s, 200 for 1.6 Tb/s",
                  [](const Scenario& s) -> V { return s.cluster.ib_bandwidth_Bps; }},
    PhysicalBound{"cluster.ib.latency_same_leaf_us", "µs", kUs, 0, 10000, kLatencyReason,
                  [](const Scenario& s) -> V { return s.cluster.ib_latency_same_leaf_s; }},
    PhysicalBound{"cluster.ib.latency_cross_leaf_us", "µs", kUs, 0, 10000, kLatencyReason,
                  [](const Scenario& s) -> V { return s.cluster.ib_latency_cross_leaf_s; }},
    PhysicalBound{"routing.popularity.s", "", 1, 0, 10,
                  "Zipf exponent: at 10 the hottest expert already takes 99.9 % of the load; larger ones only "
                  "underflow the tail's weights",
                  [](const Scenario& s) -> V {
                      return s.routing.popularity == ExpertPopularity::Zipf ? V(s.routing.zipf_s) : std::nullopt;
                  }},
    PhysicalBound{"routing.popularity.sigma", "", 1, 0, 10,
                  "log-normal sigma: 3 already makes the hottest of 256 experts hundreds of times the mean; at 10 "
                  "exp(sigma·z) stays finite for every z the RNG draws (|z| < 8.6), at 1000 it overflowed",
                  [](const Scenario& s) -> V {
                      return s.routing.popularity == ExpertPopularity::LogNormal ? V(s.routing.lognormal_sigma)
                                                                                 : std::nullopt;
                  }},
    PhysicalBound{"workload.context.tokens", "tokens", 1, 1, kMaxContextTokens,
                  "the longest context windows offered are 1-4 M tokens",
                  [](const Scenario& s) -> V {
                      return s.workload.context_distribution == ContextDistribution::Fixed
                                 ? V(double(s.workload.context_tokens))
                                 : std::nullopt;
                  }},
    PhysicalBound{"workload.context.mean_tokens", "tokens", 1, 1, kMaxContextTokens,
                  "the longest context windows offered are 1-4 M tokens",
                  [](const Scenario& s) -> V {
                      return s.workload.context_distribution == ContextDistribution::LogNormal
                                 ? V(double(s.workload.context_tokens))
                                 : std::nullopt;
                  }},
    PhysicalBound{"workload.context.min_tokens", "tokens", 1, 1, kMaxContextTokens,
                  "the longest context windows offered are 1-4 M tokens",
                  [](const Scenario& s) -> V {
                      return s.workload.context_distribution == ContextDistribution::Uniform
                                 ? V(double(s.workload.context_min_tokens))
                                 : std::nullopt;
                  }},
    PhysicalBound{"workload.context.max_tokens", "tokens", 1, 1, kMaxContextTokens,
                  "the KV-capacity horizon of the memory fit; 2^24 tokens of DeepSeek-V3's 70,272 B KV per token "
                  "is 1.2 TB per request, already far beyond any GPU",
                  [](const Scenario& s) -> V {
                      return s.workload.context_distribution == ContextDistribution::Fixed
                                 ? std::nullopt
                                 : V(double(s.workload.context_max_tokens));
                  }},
    PhysicalBound{"workload.context.sigma", "", 1, 0, 5,
                  "sigma of ln tokens: chat workloads are near 1; at 5 the spread is already 10 e-folds, and "
                  "exp(-sigma²/2 + sigma·z) stays finite",
                  [](const Scenario& s) -> V {
                      return s.workload.context_distribution == ContextDistribution::LogNormal
                                 ? V(s.workload.context_sigma)
                                 : std::nullopt;
                  }},
    PhysicalBound{"workload.mtp.acceptance_rate", "", 1, 0, 1, "a fraction (tech report §5.4.3: 0.85-0.9)",
                  [](const Scenario& s) -> V { return s.workload.mtp_acceptance; }},
    PhysicalBound{"network.calibration.nvlink_efficiency", "", 1, 0.01, 1, kShareReason,
                  [](const Scenario& s) -> V { return s.network.calibration.nvlink_efficiency; }},
    PhysicalBound{"network.calibration.ib_efficiency", "", 1, 0.01, 1, kShareReason,
                  [](const Scenario& s) -> V { return s.network.calibration.ib_efficiency; }},
    PhysicalBound{"network.calibration.pcie_efficiency", "", 1, 0.01, 1, kShareReason,
                  [](const Scenario& s) -> V { return s.network.calibration.pcie_efficiency; }},
    PhysicalBound{"network.calibration.normal_overhead_us", "µs", kUs, 0, 10000, kOverheadReason,
                  [](const Scenario& s) -> V { return s.network.calibration.normal_overhead_s; }},
    PhysicalBound{"network.calibration.low_latency_overhead_us", "µs", kUs, 0, 10000, kOverheadReason,
                  [](const Scenario& s) -> V { return s.network.calibration.low_latency_overhead_s; }},
    PhysicalBound{"network.calibration.chunk_bytes", "B", 1, 0, 1073741824,
                  "DeepEP's RDMA chunk is 16 × 7,472 B; 1 GiB exceeds any RDMA buffer",
                  [](const Scenario& s) -> V { return s.network.calibration.chunk_bytes; }},
    PhysicalBound{"network.calibration.ibrc_chunk_stall_us", "µs", kUs, 0, 10000, kOverheadReason,
                  [](const Scenario& s) -> V { return s.network.calibration.ibrc_chunk_stall_s; }},
    PhysicalBound{"network.calibration.ll_nvlink_message_ns", "ns", kNs, 0, 1000000,
                  "14.5 ns per message in the June 2025 fit; 1 ms per message is no longer a store",
                  [](const Scenario& s) -> V { return s.network.calibration.ll_nvlink_message_s; }},
    PhysicalBound{"network.calibration.ll_rdma_after_nvlink", "", 1, 0, 1, "a share of the NVLink stores",
                  [](const Scenario& s) -> V { return s.network.calibration.ll_rdma_after_nvlink; }},
    PhysicalBound{"offload.host_memory_GB", "GB", kGB, 1, 100000,
                  "DRAM per node: H800 nodes hold 1-2 TB, 8-socket servers 32 TB; 100 TB is no single node",
                  [](const Scenario& s) -> V { return offload(s, s.offload.host_memory_bytes); }},
    PhysicalBound{"offload.host_memory_bandwidth_GBps", "GB/s", kGB, 1, 1000000,
                  "per node: 614 GB/s for two sockets of 8 DDR5-6400 channels; 1e6 is the tests' \"unlimited\" host, "
                  "and fetch times stay finite",
                  [](const Scenario& s) -> V { return offload(s, s.offload.host_memory_bandwidth_Bps); }},
    PhysicalBound{"offload.host_bridge_bandwidth_GBps", "GB/s", kGB, 0, 1000000,
                  "0: no limit; a node's 8 PCIe Gen5 x16 links give 512 GB/s per direction",
                  [](const Scenario& s) -> V { return offload(s, s.offload.host_bridge_bandwidth_Bps); }},
    PhysicalBound{"offload.cpu_GFLOPS_per_core", "GFLOP/s", 1e9, 0.1, 10000,
                  "a Sapphire Rapids core peaks near 200 GFLOP/s FP32 (AVX-512) and 2,000 BF16 (AMX); 10 TFLOP/s "
                  "is beyond any core",
                  [](const Scenario& s) -> V {
                      return s.offload.enabled && s.offload.miss == OffloadMiss::CpuCompute
                                 ? V(s.offload.cpu_flops_per_core)
                                 : std::nullopt;
                  }},
    PhysicalBound{"serving.prices.gpu_hour_usd", "USD", 1, 0, 1000,
                  "Day-6: $2 per H800-hour; cloud list prices of one GPU-hour are $1-15; above $1,000 costs "
                  "are a typo",
                  [](const Scenario& s) -> V { return price(s, &serving::PriceConfig::gpu_hour_usd); }},
    PhysicalBound{"serving.prices.input_hit_per_mtok_usd", "USD", 1, 0, 10000, kPriceReason,
                  [](const Scenario& s) -> V { return price(s, &serving::PriceConfig::input_hit_per_mtok_usd); }},
    PhysicalBound{"serving.prices.input_miss_per_mtok_usd", "USD", 1, 0, 10000, kPriceReason,
                  [](const Scenario& s) -> V { return price(s, &serving::PriceConfig::input_miss_per_mtok_usd); }},
    PhysicalBound{"serving.prices.output_per_mtok_usd", "USD", 1, 0, 10000, kPriceReason,
                  [](const Scenario& s) -> V { return price(s, &serving::PriceConfig::output_per_mtok_usd); }},
    // Rows read by their own reader (read_bounded): pools, arrays, serving.traffic, expert drift, sweep files.
    PhysicalBound{"workload.cached_prefix_tokens", "tokens", 1, 0, kMaxContextTokens,
                  "a prefix already in the KV cache is part of the context: the context keys' bound"},
    PhysicalBound{"training.sequence_tokens", "tokens", 1, 1, kMaxTraceTokens,
                  "DeepSeek-V3 pre-trains at 4,096 tokens and extends to 128 K (tech report §4.3); 1 M is the longest "
                  "window offered"},
    PhysicalBound{"training.global_batch_sequences", "sequences", 1, 1, kMaxStepTokens,
                  "DeepSeek-V3's batch grows to 15,360 sequences (tech report §4.2); 2^30 keeps tokens per step "
                  "inside int64 at any sequence length"},
    PhysicalBound{"balancer.command_timeout_s", "s", 1, 0.001, 86400,
                  "an external placement command answers in seconds; after a day it has hung"},
    PhysicalBound{"offload.history_steps", "steps", 1, 1, 100000,
                  "the window of steps whose routing ranks the experts to keep resident: tens to thousands"},
    PhysicalBound{"offload.cpu_cores", "cores", 1, 1, 4096,
                  "a node has 2-8 sockets of up to 192 cores; 4,096 is beyond any node"},
    PhysicalBound{"serving.duration_h", "h", kHour, 1.0 / kHour, kYearH,
                  "from one second (a smoke test) to a year of replay; Day-6 reports one day"},
    PhysicalBound{"serving.series_period_min", "min", kMinute, 1.0 / kMinute, kDayMin,
                  "series.csv's row period: Day-6 plots per hour; one second to one day"},
    PhysicalBound{"serving.*.schedule[].at_h", "h", kHour, 0, kYearH,
                  "a point of the pool's schedule, inside serving.duration_h (checked too)"},
    PhysicalBound{"serving.*.join_delay_min", "min", kMinute, 0, kDayMin, kJoinDelayReason},
    PhysicalBound{"serving.*.autoscale.period_min", "min", kMinute, 0.1, kDayMin,
                  "autoscalers decide every 1-10 minutes; a pool resized once a day follows a schedule instead"},
    PhysicalBound{"serving.*.autoscale.target_utilization", "", 1, 0.01, 1, "a share of the pool's capacity"},
    PhysicalBound{"serving.*.autoscale.join_delay_min", "min", kMinute, 0, kDayMin, kJoinDelayReason},
    PhysicalBound{
        "serving.prefill_tokens_per_rank", "tokens", 1, 1, kMaxStepTokens,
        "Day-6's prefill runs about 4,096 tokens per rank and step; 2^30 keeps activation bytes inside int64"},
    PhysicalBound{"serving.max_batch_per_rank", "requests", 1, 1, 1048576,
                  "Day-6's decode holds about 128 requests per GPU; 2^20 is far beyond any KV cache"},
    PhysicalBound{"serving.chunk_tokens", "tokens", 1, 1, kMaxStepTokens,
                  "chunked-prefill budgets are 512-8,192 tokens per step; 2^30 keeps activation bytes inside int64"},
    PhysicalBound{"serving.prefix_cache.capacity_GB", "GB", kGB, 0, 1e9,
                  "Day-6's KV cache on 3FS holds petabytes; 1e9 GB (an exabyte) is beyond any store"},
    PhysicalBound{"serving.prefix_cache.read_bandwidth_GBps", "GB/s", kGB, 0.001, 1e6,
                  "3FS reads 6.6 TB/s over 180 nodes (Day-5), about 40 GB/s per node"},
    PhysicalBound{"serving.slo.ttft_s", "s", 1, 0.001, 100000,
                  "chat services target 1-5 s to the first token; batch jobs hours; above a day it is no target"},
    PhysicalBound{"serving.slo.tpot_ms", "ms", kMs, 0.001, 1e6,
                  "Day-6 decodes at 20-22 tokens/s per user (45-50 ms per token); above 1,000 s per token there is "
                  "no stream"},
    PhysicalBound{"serving.expert_drift.hours_per_run", "h", kHour, 2.0 / kMinute, 24,
                  "a recorded run is mixed minute by minute (at least 2 minutes); one run per day at most"},
    PhysicalBound{"serving.expert_drift.rebalance_min", "min", kMinute, 0, kYearMin,
                  "0: never; EPLB rebalances every few minutes to hours (Day-4); a year at most"},
    PhysicalBound{"serving.expert_drift.window_min", "min", kMinute, 1.0 / kMinute, kYearMin,
                  "the load window a rebalance reads: minutes to hours; a year at most"},
    PhysicalBound{"serving.traffic.synthetic.duration_s", "s", 1, 1e-9, 366 * 86400.0,
                  "the synthetic day's length: a day (Day-6), a leap year at most"},
    PhysicalBound{"serving.traffic.synthetic.rate.mean_req_per_s", "req/s", 1, 1e-9, kMaxRateReqPerS, kRateReason},
    PhysicalBound{"serving.traffic.synthetic.rate.hourly[]", "req/s or ×", 1, 0, kMaxRateReqPerS,
                  "an hour's rate (unit \"absolute\") or its factor of the mean (\"relative\"), under the rate's "
                  "ceiling"},
    PhysicalBound{"serving.traffic.synthetic.cv", "", 1, 0, 20, kCvReason},
    PhysicalBound{"serving.traffic.synthetic.block_tokens", "tokens", 1, 1, kMaxTraceTokens,
                  "the prefix cache's block: 16-512 tokens in serving engines (Mooncake: 512)"},
    PhysicalBound{"serving.traffic.synthetic.max_open_sessions", "sessions", 1, 1, 1e8,
                  "conversations awaiting their next turn: 1e8 is a hundred times the largest services' concurrent "
                  "users, and bounds the generator's memory"},
    PhysicalBound{"serving.traffic.synthetic.max_context_tokens", "tokens", 1, 2, kMaxTraceTokens, kTokensReason},
    PhysicalBound{"serving.traffic.synthetic.tenants[].weight", "", 1, 1e-6, 1e6,
                  "a tenant's share of the requests, relative to the others: six decades either way; a weight of "
                  "1e308 made the sum infinite"},
    PhysicalBound{"serving.traffic.synthetic.tenants[].system_prompt_tokens", "tokens", 1, 0, kMaxTraceTokens,
                  kTokensReason},
    PhysicalBound{"serving.traffic.synthetic.tenants[].*.tokens", "tokens", 1, 1, kMaxTraceTokens, kTokensReason},
    PhysicalBound{"serving.traffic.synthetic.tenants[].*.mean_tokens", "tokens", 1, 1, kMaxTraceTokens, kTokensReason},
    PhysicalBound{"serving.traffic.synthetic.tenants[].*.sigma", "", 1, 0, 5, kLengthSigmaReason},
    PhysicalBound{"serving.traffic.synthetic.tenants[].session.continue_probability", "", 1, 0, 1, "a probability"},
    PhysicalBound{"serving.traffic.synthetic.tenants[].session.think_time_s", "s", 1, 0, 86400,
                  "a user answers within seconds to minutes; after a day the next turn is a new session (an "
                  "unbounded think time pushed arrivals past any horizon)"},
    PhysicalBound{"serving.traffic.arrivals.rate_req_per_s", "req/s", 1, 1e-9, kMaxRateReqPerS, kRateReason},
    PhysicalBound{"serving.traffic.arrivals.cv", "", 1, 0, 20, kCvReason},
    PhysicalBound{"serving.traffic.time_scale", "", 1, 1e-6, 1e6,
                  "stretches a trace's timestamps: a one-hour trace over a second to a century"},
    PhysicalBound{"serving.traffic.rate_scale", "", 1, 1e-6, 1000,
                  "thins or replicates a trace's requests: kMaxRateScale, 1,000 copies of each request"},
    PhysicalBound{"serving.traffic.loop.hours", "h", 1, 1, 366 * 24, "hourly passes of the trace: a leap year at most"},
    PhysicalBound{"serving.traffic.loop.hourly[]", "req/s or ×", 1, 0, kMaxRateReqPerS,
                  "an hour's rate (\"absolute\") or its rate scale (\"relative\", at most 1,000)"},
    PhysicalBound{"sweep.constraints.min_tokens_per_s_per_user", "tokens/s", 1, 0, 1e6,
                  "0: no constraint; Day-6 streams 20-22 tokens/s per user, the fastest services a few thousand"},
    PhysicalBound{"sweep.constraints.max_tpot_ms", "ms", kMs, 0, 1e6,
                  "0: no constraint; otherwise serving.slo.tpot_ms's range"},
};

std::string with_unit(double v, std::string_view unit) {
    return format_number(v) + (unit.empty() ? "" : " " + std::string(unit));
}

bool inside(const PhysicalBound& b, double si) {
    return std::isfinite(si) && si >= b.min * b.si_per_unit && si <= b.max * b.si_per_unit;
}

// "<value> <unit> is outside the plausible range [min, max <unit>] (<reason>)", `si` in SI units.
std::string outside(const PhysicalBound& b, double si) {
    const std::string got = std::isfinite(si) ? with_unit(si / b.si_per_unit, b.unit)
                                              : std::string("a value that is not finite in SI units");
    return got + " is outside the plausible range [" + format_number(b.min) + ", " + with_unit(b.max, b.unit) + "] (" +
           std::string(b.reason) + ")";
}

const PhysicalBound& reader_row(std::string_view path) {
    const PhysicalBound& b = physical_bound(path);
    if (b.si_value) throw std::logic_error("read_bounded: row " + std::string(path) + " is checked on the Scenario");
    return b;
}

} // namespace

std::span<const PhysicalBound> physical_bounds() {
    return kBounds;
}

const PhysicalBound& physical_bound(std::string_view path) {
    for (const PhysicalBound& b : kBounds)
        if (b.path == path) return b;
    throw std::out_of_range("physical_bound: no row " + std::string(path));
}

void check_physical_bounds(const Scenario& s) {
    for (const PhysicalBound& b : kBounds) {
        if (!b.si_value) continue; // its reader checks it (read_bounded)
        const V si = b.si_value(s);
        // Compared in SI, after conversion: 1e300 GB/s is finite in the file and infinite here.
        if (!si || inside(b, *si)) continue;
        throw ConfigError(s.source.string() + ": " + std::string(b.path) + ": " + outside(b, *si));
    }
}

double read_bounded(const JsonObject& o, std::string_view key, std::string_view row) {
    const PhysicalBound& b = reader_row(row);
    const double si        = o.number(key) * b.si_per_unit;
    if (!inside(b, si)) o.fail(key, outside(b, si));
    return si;
}

double read_bounded(const JsonObject& o, std::string_view key, std::string_view row, double fallback_si) {
    return o.has(key) ? read_bounded(o, key, row) : fallback_si;
}

double read_bounded(const JsonArray& a, std::size_t i, std::string_view row) {
    const PhysicalBound& b = reader_row(row);
    const double si        = a.number(i) * b.si_per_unit;
    if (!inside(b, si)) a.fail(i, outside(b, si));
    return si;
}

int64_t read_bounded_integer(const JsonObject& o, std::string_view key, std::string_view row) {
    const PhysicalBound& b = reader_row(row);
    const int64_t v        = o.integer(key); // 64-bit, range-checked before any narrowing
    if (!inside(b, double(v))) o.fail(key, outside(b, double(v)));
    return v;
}

int64_t read_bounded_integer(const JsonObject& o, std::string_view key, std::string_view row, int64_t fallback) {
    return o.has(key) ? read_bounded_integer(o, key, row) : fallback;
}

} // namespace moetwin
