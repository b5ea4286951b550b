// SPDX-License-Identifier: Apache-2.0
// The GPU table with a source for every figure. [P] primary (DeepSeek publications, via
// ../shared/reference/deepseek-v3-h800.md "ref"), [DS] NVIDIA datasheet, [D] derived here, [T] third party.
#include "engine/gpu_spec.hpp"

#include "common/errors.hpp"
#include "common/name_table.hpp"

#include <ostream>
#include <string>
#include <vector>

namespace moetwin {
namespace {

// Hopper SXM: 132 SMs × 4096 dense BF16 FLOP/clk/SM × 1.83 GHz = 989.4 TFLOPS [D]; the same rate gives
// ref §2's "about 865 TFLOPS" at the ~1600 MHz H800s throttle to, which pins the 1.83 GHz.
constexpr double kHopperBf16 = 989.4e12;        // [DS] H100 SXM: 1,979 TFLOPS BF16 with sparsity / 2
constexpr double kHopperFp8  = 2 * kHopperBf16; // [DS] H100 SXM: 3,958 TFLOPS FP8 with sparsity / 2 = 1,979
constexpr double kHopperClk  = 1.83e9;          // [D] see above
// ConnectX-7 400 Gb/s per GPU = 50 GB/s [P] ref §2 (ISCA'25 §4.1; DGX H100/B200 use the same NIC per GPU).
constexpr double kCx7 = 50e9;
// H800 all-to-all reaches ~160 of 200 GB/s NVLink [P] ref §2 (ISCA'25 §4.3); other GPUs scaled by 0.8 [D].
constexpr double kNvlinkAchievedFraction = 160.0 / 200.0;

std::vector<GpuSpec> build_table() {
    std::vector<GpuSpec> t;
    // H800 SXM5: H100 silicon with NVLink cut to 400 GB/s bidirectional [P] ref §2.
    t.push_back({.name                  = "h800",
                 .display_name          = "H800 SXM5 80GB",
                 .num_sms               = 132,              // [P] trace deviceProperties
                 .hbm_bytes             = 84'943'110'144.0, // [P] train.json totalGlobalMem (79.1 GiB)
                 .hbm_bandwidth_Bps     = 3.35e12,          // [P] FlashMLA deep-dive (ref §2)
                 .peak_flops_bf16       = kHopperBf16,      // ref §2 quotes 989 (MFU denominator) and 990
                 .peak_flops_fp8        = kHopperFp8,
                 .peak_flops_fp4        = 0,
                 .nvlink_bandwidth_Bps  = 200e9, // [P] 400 GB/s bidirectional (ISCA'25 §4.1)
                 .nvlink_achievable_Bps = 160e9, // [P] "about 160GB/s can actually be achieved"
                 .nic_bandwidth_Bps     = kCx7,
                 .sm_clock_hz           = kHopperClk});
    // H100 SXM5 80GB [DS]: 900 GB/s NVLink 4 bidirectional; same 80 GB HBM3 board as the H800, so
    // the same reported capacity is assumed.
    t.push_back({.name                  = "h100",
                 .display_name          = "H100 SXM5 80GB",
                 .num_sms               = 132,
                 .hbm_bytes             = 84'943'110'144.0,
                 .hbm_bandwidth_Bps     = 3.35e12,
                 .peak_flops_bf16       = kHopperBf16,
                 .peak_flops_fp8        = kHopperFp8,
                 .peak_flops_fp4        = 0,
                 .nvlink_bandwidth_Bps  = 450e9,
                 .nvlink_achievable_Bps = 450e9 * kNvlinkAchievedFraction,
                 .nic_bandwidth_Bps     = kCx7,
                 .sm_clock_hz           = kHopperClk});
    // H200 SXM [DS]: 141 GB HBM3e at 4.8 TB/s, same GH100 compute as H100, NVLink 900 GB/s.
    t.push_back({.name                  = "h200",
                 .display_name          = "H200 SXM 141GB",
                 .num_sms               = 132,
                 .hbm_bytes             = 141e9,
                 .hbm_bandwidth_Bps     = 4.8e12,
                 .peak_flops_bf16       = kHopperBf16,
                 .peak_flops_fp8        = kHopperFp8,
                 .peak_flops_fp4        = 0,
                 .nvlink_bandwidth_Bps  = 450e9,
                 .nvlink_achievable_Bps = 450e9 * kNvlinkAchievedFraction,
                 .nic_bandwidth_Bps     = kCx7,
                 .sm_clock_hz           = kHopperClk});
    // H20 [T] (NVIDIA HGX H20 product brief as reported publicly): 78 SMs, 96 GB HBM3 at 4.0 TB/s,
    // 148 TFLOPS BF16 and 296 TFLOPS FP8 dense, NVLink 900 GB/s; NIC assumed CX7 400 Gb/s per GPU.
    t.push_back({.name                  = "h20",
                 .display_name          = "H20 96GB",
                 .num_sms               = 78,
                 .hbm_bytes             = 96e9,
                 .hbm_bandwidth_Bps     = 4.0e12,
                 .peak_flops_bf16       = 148e12,
                 .peak_flops_fp8        = 296e12,
                 .peak_flops_fp4        = 0,
                 .nvlink_bandwidth_Bps  = 450e9,
                 .nvlink_achievable_Bps = 450e9 * kNvlinkAchievedFraction,
                 .nic_bandwidth_Bps     = kCx7,
                 .sm_clock_hz           = 0}); // tensor throughput is capped below num_sms × clock × rate
    // B200 [DS] HGX B200 (8 GPUs): 1,440 GB HBM3e, 64 TB/s, BF16 36 / FP8 72 / FP4 144 PFLOPS with
    // sparsity, NVLink 5 1.8 TB/s per GPU; DGX B200: 8× ConnectX-7 400 Gb/s. SMs: 148 [T] (deviceQuery).
    t.push_back({.name                  = "b200",
                 .display_name          = "B200 (HGX B200)",
                 .num_sms               = 148,
                 .hbm_bytes             = 180e9,
                 .hbm_bandwidth_Bps     = 8e12,
                 .peak_flops_bf16       = 2.25e15,
                 .peak_flops_fp8        = 4.5e15,
                 .peak_flops_fp4        = 9e15,
                 .nvlink_bandwidth_Bps  = 900e9,
                 .nvlink_achievable_Bps = 900e9 * kNvlinkAchievedFraction,
                 .nic_bandwidth_Bps     = kCx7,
                 .sm_clock_hz           = 0});
    // GB200 [DS] GB200 NVL72 (72 GPUs): 13.4 TB HBM3e, 576 TB/s, BF16 360 / FP8 720 / FP4 1,440 PFLOPS
    // with sparsity, 130 TB/s NVLink (1.8 TB/s per GPU). SMs assumed equal to B200 [T]; NIC: one
    // ConnectX-7 400 Gb/s per GPU in the NVL72 compute tray [T].
    t.push_back({.name                  = "gb200",
                 .display_name          = "GB200 (NVL72)",
                 .num_sms               = 148,
                 .hbm_bytes             = 186e9,
                 .hbm_bandwidth_Bps     = 8e12,
                 .peak_flops_bf16       = 2.5e15,
                 .peak_flops_fp8        = 5e15,
                 .peak_flops_fp4        = 10e15,
                 .nvlink_bandwidth_Bps  = 900e9,
                 .nvlink_achievable_Bps = 900e9 * kNvlinkAchievedFraction,
                 .nic_bandwidth_Bps     = kCx7,
                 .sm_clock_hz           = 0});
    for (const GpuSpec& g : t)
        g.validate();
    return t;
}

} // namespace

void GpuSpec::validate() const {
    const auto check = [&](bool ok, const char* what) {
        if (!ok) throw ConfigError("gpu '" + name + "': " + what);
    };
    check(!name.empty(), "name must not be empty");
    check(num_sms >= 1, "num_sms must be >= 1");
    check(hbm_bytes > 0 && hbm_bandwidth_Bps > 0, "hbm_bytes and hbm_bandwidth_Bps must be > 0");
    check(peak_flops_bf16 > 0 && peak_flops_fp8 > 0 && peak_flops_fp4 >= 0, "peak FLOPS must be > 0 (fp4 >= 0)");
    check(nvlink_bandwidth_Bps >= 0 && nvlink_achievable_Bps >= 0 && nvlink_achievable_Bps <= nvlink_bandwidth_Bps,
          "nvlink_achievable_Bps must be in [0, nvlink_bandwidth_Bps]");
    check(nic_bandwidth_Bps >= 0 && sm_clock_hz >= 0, "nic_bandwidth_Bps and sm_clock_hz must be >= 0");
}

std::span<const GpuSpec> gpu_catalogue() {
    static const std::vector<GpuSpec> table = build_table();
    return table;
}

const GpuSpec& find_gpu(std::string_view name) {
    std::vector<std::string_view> known;
    for (const GpuSpec& g : gpu_catalogue()) {
        if (g.name == name) return g;
        known.push_back(g.name);
    }
    throw ConfigError(unknown_name_message("gpu", name, known));
}

std::ostream& operator<<(std::ostream& out, const GpuSpec& g) {
    return out << "GpuSpec{" << g.name << " (" << g.display_name << ") num_sms=" << g.num_sms
               << " hbm_bytes=" << static_cast<long long>(g.hbm_bytes)
               << " hbm_bandwidth_GBps=" << g.hbm_bandwidth_Bps / 1e9
               << " peak_tflops_bf16=" << g.peak_flops_bf16 / 1e12 << " peak_tflops_fp8=" << g.peak_flops_fp8 / 1e12
               << " peak_tflops_fp4=" << g.peak_flops_fp4 / 1e12 << " nvlink_GBps=" << g.nvlink_bandwidth_Bps / 1e9
               << " nvlink_achievable_GBps=" << g.nvlink_achievable_Bps / 1e9
               << " nic_GBps=" << g.nic_bandwidth_Bps / 1e9 << " sm_clock_MHz=" << g.sm_clock_hz / 1e6 << "}";
}

} // namespace moetwin
