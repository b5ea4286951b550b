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

// Reasons shared by several rows.
constexpr std::string_view kLatencyReason =
    "measured 2.8-3.7 µs (ISCA'25 Table 5); above 10 ms a hop is a WAN, not a cluster fabric, and times stay "
    "far inside int64 ns";
constexpr std::string_view kShareReason =
    "a share of the nominal bandwidth; below 1 % the link is broken, not calibrated (DeepEP fits: 0.83-1.0)";
constexpr std::string_view kOverheadReason =
    "DeepEP fits give 0-20 µs per phase or chunk; 10 ms leaves three decades for what-ifs";
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
};

std::string with_unit(double v, std::string_view unit) {
    return format_number(v) + (unit.empty() ? "" : " " + std::string(unit));
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
        const V si = b.si_value(s);
        if (!si) continue;
        // Compared in SI, after conversion: 1e300 GB/s is finite in the file and infinite here.
        const bool ok = std::isfinite(*si) && *si >= b.min * b.si_per_unit && *si <= b.max * b.si_per_unit;
        if (ok) continue;
        const std::string got = std::isfinite(*si) ? with_unit(*si / b.si_per_unit, b.unit)
                                                   : std::string("a value that is not finite in SI units");
        throw ConfigError(s.source.string() + ": " + std::string(b.path) + ": " + got +
                          " is outside the plausible range [" + format_number(b.min) + ", " + with_unit(b.max, b.unit) +
                          "] (" + std::string(b.reason) + ")");
    }
}

} // namespace moetwin
