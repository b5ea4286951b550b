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
// PCIe x16 per direction: lanes × GT/s × 128/130 (Gen3+ encoding) / 8 bits [D] (PCI-SIG base specs).
constexpr double kPcieGen4 = 16 * 16e9 * 128.0 / 130.0 / 8; // 31.5 GB/s
constexpr double kPcieGen5 = 2 * kPcieGen4;                 // 63.0 GB/s
// Hopper INT8 tensor cores run at the FP8 rate: H100 SXM datasheet INT8 3,958 TOPS with sparsity / 2 [DS].
constexpr double kHopperInt8 = kHopperFp8;
// INT8 of the other data-centre entries, dense: H20 296 TOPS [T] (product brief as reported); HGX B200
// 72 POPS with sparsity / 8 GPUs / 2 = 4.5 [DS]; GB200 NVL72 720 POPS with sparsity / 72 / 2 = 5 [DS].
// None of Hopper or Blackwell has INT4 tensor cores (Hopper tuning guide; RTX 5090 entry below).
// Host links: PCIe Gen5 x16 on H100/H800/H200/H20 and B200 boards [DS]; GB200 assumed the same [T].

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
                 .peak_ops_int8         = kHopperInt8,
                 .peak_ops_int4         = 0,
                 .nvlink_bandwidth_Bps  = 200e9, // [P] 400 GB/s bidirectional (ISCA'25 §4.1)
                 .nvlink_achievable_Bps = 160e9, // [P] "about 160GB/s can actually be achieved"
                 .nic_bandwidth_Bps     = kCx7,
                 .sm_clock_hz           = kHopperClk,
                 .pcie_bandwidth_Bps    = kPcieGen5});
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
                 .peak_ops_int8         = kHopperInt8,
                 .peak_ops_int4         = 0,
                 .nvlink_bandwidth_Bps  = 450e9,
                 .nvlink_achievable_Bps = 450e9 * kNvlinkAchievedFraction,
                 .nic_bandwidth_Bps     = kCx7,
                 .sm_clock_hz           = kHopperClk,
                 .pcie_bandwidth_Bps    = kPcieGen5});
    // H200 SXM [DS]: 141 GB HBM3e at 4.8 TB/s, same GH100 compute as H100, NVLink 900 GB/s.
    t.push_back({.name                  = "h200",
                 .display_name          = "H200 SXM 141GB",
                 .num_sms               = 132,
                 .hbm_bytes             = 141e9,
                 .hbm_bandwidth_Bps     = 4.8e12,
                 .peak_flops_bf16       = kHopperBf16,
                 .peak_flops_fp8        = kHopperFp8,
                 .peak_flops_fp4        = 0,
                 .peak_ops_int8         = kHopperInt8,
                 .peak_ops_int4         = 0,
                 .nvlink_bandwidth_Bps  = 450e9,
                 .nvlink_achievable_Bps = 450e9 * kNvlinkAchievedFraction,
                 .nic_bandwidth_Bps     = kCx7,
                 .sm_clock_hz           = kHopperClk,
                 .pcie_bandwidth_Bps    = kPcieGen5});
    // H20 [T] (NVIDIA HGX H20 product brief as reported publicly): 78 SMs, 96 GB HBM3 at 4.0 TB/s,
    // 148 TFLOPS BF16 and 296 TFLOPS FP8 dense, NVLink 900 GB/s; NIC assumed CX7 400 Gb/s per GPU.
    t.push_back(
        {.name                  = "h20",
         .display_name          = "H20 96GB",
         .num_sms               = 78,
         .hbm_bytes             = 96e9,
         .hbm_bandwidth_Bps     = 4.0e12,
         .peak_flops_bf16       = 148e12,
         .peak_flops_fp8        = 296e12,
         .peak_flops_fp4        = 0,
         .peak_ops_int8         = 296e12,
         .peak_ops_int4         = 0,
         .nvlink_bandwidth_Bps  = 450e9,
         .nvlink_achievable_Bps = 450e9 * kNvlinkAchievedFraction,
         .nic_bandwidth_Bps     = kCx7,
         .sm_clock_hz           = 0,
         .pcie_bandwidth_Bps    = kPcieGen5}); // sm_clock 0: tensor throughput is capped below num_sms × clock × rate
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
                 .peak_ops_int8         = 4.5e15,
                 .peak_ops_int4         = 0,
                 .nvlink_bandwidth_Bps  = 900e9,
                 .nvlink_achievable_Bps = 900e9 * kNvlinkAchievedFraction,
                 .nic_bandwidth_Bps     = kCx7,
                 .sm_clock_hz           = 0,
                 .pcie_bandwidth_Bps    = kPcieGen5});
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
                 .peak_ops_int8         = 5e15,
                 .peak_ops_int4         = 0,
                 .nvlink_bandwidth_Bps  = 900e9,
                 .nvlink_achievable_Bps = 900e9 * kNvlinkAchievedFraction,
                 .nic_bandwidth_Bps     = kCx7,
                 .sm_clock_hz           = 0,
                 .pcie_bandwidth_Bps    = kPcieGen5});
    // --- Cards without FP8 or without NVLink (issue 20). Sources: [WP-Ada] NVIDIA Ada Lovelace GPU
    // Architecture whitepaper v1.01, Appendix A (GeForce RTX 4090); [WP-RTXBW] NVIDIA RTX Blackwell GPU
    // Architecture whitepaper, Appendix A (RTX 5090), as tabulated beside mmapeak measurements in
    // main-horse.github.io/posts/5090-mm-perf; [DS-A100] NVIDIA A100 datasheet and Ampere (GA100)
    // whitepaper; [DS-L40S] NVIDIA L40S datasheet. GeForce tensor rates are quoted with FP32
    // accumulation (what cuBLAS, vLLM and DeepGEMM-style kernels use): half the FP16-accumulate figure.
    // RTX 4090 [WP-Ada]: AD102, 128 SMs at 2,520 MHz boost, 24 GB GDDR6X at 1,008 GB/s; BF16 (FP32 acc)
    // 165.2 TFLOPS, FP8 (FP32 acc) 330.3, INT8 660.6 TOPS, INT4 1,321.2 TOPS, dense. No NVLink; PCIe
    // Gen4 x16; no data-centre NIC (nic 0: one box, no scale-out).
    t.push_back({.name                  = "rtx4090",
                 .display_name          = "GeForce RTX 4090 24GB",
                 .num_sms               = 128,
                 .hbm_bytes             = 24e9,
                 .hbm_bandwidth_Bps     = 1008e9,
                 .peak_flops_bf16       = 165.2e12,
                 .peak_flops_fp8        = 330.3e12,
                 .peak_flops_fp4        = 0,
                 .peak_ops_int8         = 660.6e12,
                 .peak_ops_int4         = 1321.2e12,
                 .nvlink_bandwidth_Bps  = 0,
                 .nvlink_achievable_Bps = 0,
                 .nic_bandwidth_Bps     = 0,
                 .sm_clock_hz           = 2.52e9,
                 .pcie_bandwidth_Bps    = kPcieGen4});
    // RTX 4090 48 GB [T]: the board-level modification sold in China (AD102 and clocks unchanged, 24 GDDR6X
    // packages of 2 GB in clamshell on the same 384-bit bus): every figure as the RTX 4090 but the capacity.
    t.push_back({.name                  = "rtx4090_48gb",
                 .display_name          = "GeForce RTX 4090 48GB (modified)",
                 .num_sms               = 128,
                 .hbm_bytes             = 48e9,
                 .hbm_bandwidth_Bps     = 1008e9,
                 .peak_flops_bf16       = 165.2e12,
                 .peak_flops_fp8        = 330.3e12,
                 .peak_flops_fp4        = 0,
                 .peak_ops_int8         = 660.6e12,
                 .peak_ops_int4         = 1321.2e12,
                 .nvlink_bandwidth_Bps  = 0,
                 .nvlink_achievable_Bps = 0,
                 .nic_bandwidth_Bps     = 0,
                 .sm_clock_hz           = 2.52e9,
                 .pcie_bandwidth_Bps    = kPcieGen4});
    // RTX 5090 [WP-RTXBW]: GB202, 170 SMs, 32 GB GDDR7 at 1,792 GB/s; BF16 (FP32 acc) 209.5 TFLOPS, FP8 (FP32
    // acc) 419, FP4 1,676, INT8 838 TOPS, dense; no INT4 tensor path (mmapeak: "int4 gemm is gone on
    // blackwell"). No NVLink; PCIe Gen5 x16. Clock: 209.5e12 / (170 × 512 FLOP/clk) = 2.407 GHz boost [D].
    t.push_back({.name                  = "rtx5090",
                 .display_name          = "GeForce RTX 5090 32GB",
                 .num_sms               = 170,
                 .hbm_bytes             = 32e9,
                 .hbm_bandwidth_Bps     = 1792e9,
                 .peak_flops_bf16       = 209.5e12,
                 .peak_flops_fp8        = 419e12,
                 .peak_flops_fp4        = 1676e12,
                 .peak_ops_int8         = 838e12,
                 .peak_ops_int4         = 0,
                 .nvlink_bandwidth_Bps  = 0,
                 .nvlink_achievable_Bps = 0,
                 .nic_bandwidth_Bps     = 0,
                 .sm_clock_hz           = 2.407e9,
                 .pcie_bandwidth_Bps    = kPcieGen5});
    // A100 SXM4 80GB [DS-A100]: 108 SMs at 1,410 MHz, 80 GB HBM2e at 2,039 GB/s; BF16 312 TFLOPS, INT8
    // 624 TOPS, INT4 1,248 TOPS dense; no FP8 tensor cores (peak_flops_fp8 0: FP8 weights are rejected,
    // sim/scenario_json.cpp). NVLink 3: 600 GB/s bidirectional; DGX A100: 8× ConnectX-6 200 Gb/s = 25 GB/s
    // per GPU; PCIe Gen4.
    t.push_back({.name                  = "a100",
                 .display_name          = "A100 SXM4 80GB",
                 .num_sms               = 108,
                 .hbm_bytes             = 80e9,
                 .hbm_bandwidth_Bps     = 2039e9,
                 .peak_flops_bf16       = 312e12,
                 .peak_flops_fp8        = 0,
                 .peak_flops_fp4        = 0,
                 .peak_ops_int8         = 624e12,
                 .peak_ops_int4         = 1248e12,
                 .nvlink_bandwidth_Bps  = 300e9,
                 .nvlink_achievable_Bps = 300e9 * kNvlinkAchievedFraction,
                 .nic_bandwidth_Bps     = 25e9,
                 .sm_clock_hz           = 1.41e9,
                 .pcie_bandwidth_Bps    = kPcieGen4});
    // L40S [DS-L40S]: AD102, 142 SMs (18,176 CUDA cores / 128), 48 GB GDDR6 at 864 GB/s; BF16 362.05
    // TFLOPS, FP8 733, INT8 733 TOPS, INT4 733 TOPS, dense (datasheet "with sparsity" halved). No NVLink;
    // PCIe Gen4 x16. Clock not derivable from the datasheet's rounded figures (0).
    t.push_back({.name                  = "l40s",
                 .display_name          = "L40S 48GB",
                 .num_sms               = 142,
                 .hbm_bytes             = 48e9,
                 .hbm_bandwidth_Bps     = 864e9,
                 .peak_flops_bf16       = 362.05e12,
                 .peak_flops_fp8        = 733e12,
                 .peak_flops_fp4        = 0,
                 .peak_ops_int8         = 733e12,
                 .peak_ops_int4         = 733e12,
                 .nvlink_bandwidth_Bps  = 0,
                 .nvlink_achievable_Bps = 0,
                 .nic_bandwidth_Bps     = 0,
                 .sm_clock_hz           = 0,
                 .pcie_bandwidth_Bps    = kPcieGen4});
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
    check(peak_flops_bf16 > 0 && peak_flops_fp8 >= 0 && peak_flops_fp4 >= 0 && peak_ops_int8 >= 0 && peak_ops_int4 >= 0,
          "peak_flops_bf16 must be > 0 (fp8, fp4, int8, int4 >= 0; 0 = no such tensor cores)");
    check(pcie_bandwidth_Bps > 0, "pcie_bandwidth_Bps must be > 0");
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
               << " nic_GBps=" << g.nic_bandwidth_Bps / 1e9 << " sm_clock_MHz=" << g.sm_clock_hz / 1e6
               << " peak_tops_int8=" << g.peak_ops_int8 / 1e12 << " peak_tops_int4=" << g.peak_ops_int4 / 1e12
               << " pcie_GBps=" << g.pcie_bandwidth_Bps / 1e9 << "}";
}

} // namespace moetwin
