// SPDX-License-Identifier: Apache-2.0
// GpuSpec: the peak figures of one accelerator, and a static table of the GPUs moetwin knows
// (in the style of llm.c's mfu.h). Every figure carries its source in gpu_spec.cpp. The roofline
// fallback and the memory fit read these; scenarios may override single fields.
#pragma once

#include <iosfwd>
#include <span>
#include <string>
#include <string_view>

namespace moetwin {

// NOTES: all rates are per GPU and dense (no 2:4 sparsity); datasheets that quote "with sparsity"
// figures are halved. Bandwidths are per direction.
struct GpuSpec {
    std::string name;         // table key: "h800"
    std::string display_name; // "H800 SXM5 80GB"
    int num_sms = 0;

    double hbm_bytes = 0; // capacity CUDA reports (cudaDeviceProp::totalGlobalMem) where measured,
                          // otherwise the datasheet figure in decimal GB (a lower bound)
    double hbm_bandwidth_Bps = 0;
    double peak_flops_bf16   = 0; // dense tensor-core peak at the clock below
    double peak_flops_fp8    = 0;
    double peak_flops_fp4    = 0; // 0: no FP4 tensor cores (Hopper)
    double peak_ops_int8     = 0; // dense INT8 tensor-core peak (W8A8 GEMMs); 0: none
    double peak_ops_int4     = 0; // dense INT4 tensor-core peak; 0: none (Hopper and Blackwell dropped it).
                                  // Not used for INT4 weights: weight-only kernels dequantise (precision.hpp)

    double nvlink_bandwidth_Bps  = 0; // scale-up, per direction, nominal
    double nvlink_achievable_Bps = 0; // what an all-to-all reaches in practice (H800: measured)
    double nic_bandwidth_Bps     = 0; // scale-out NIC bandwidth per GPU, per direction, nominal
    double sm_clock_hz           = 0; // clock the tensor peak is quoted at; 0 when not derivable
    double pcie_bandwidth_Bps    = 0; // host link, per direction, nominal: Gen4 x16 31.5 GB/s, Gen5 x16 63.0 GB/s
                                      // (16 / 32 GT/s × 16 lanes × 128/130 encoding / 8 bits) [D]

    bool has_nvlink() const { return nvlink_bandwidth_Bps > 0; }
    bool has_fp8() const { return peak_flops_fp8 > 0; }

    // Throws ConfigError "gpu 'x': field ..." when a figure is missing or negative.
    void validate() const;
};

// The table (gpu_spec.cpp); every list of GPUs elsewhere (scenario names, GUI, device names) reads it.
std::span<const GpuSpec> gpu_catalogue();
// Exact, lowercase name (common/name_table.hpp); throws ConfigError (unknown_name_message) otherwise.
const GpuSpec& find_gpu(std::string_view name);

// Every field, one line, with units (design.md example 4).
std::ostream& operator<<(std::ostream& out, const GpuSpec& gpu);

} // namespace moetwin
