// SPDX-License-Identifier: Apache-2.0
// The host CPU table (host_cpu.hpp), every figure with its source.
// [ARK-8380] Intel ark, Xeon Platinum 8380 (Ice Lake-SP): 40 cores, 2.30 GHz base, 8 channels of
// DDR4-3200, 3 UPI links at 11.2 GT/s. [ARK-8480+] Intel ark, Xeon Platinum 8480+ (Sapphire Rapids):
// 56 cores, 2.00 GHz base, 8 channels of DDR5-4800, 4 UPI 2.0 links at 16 GT/s. [OPT] Intel 64 and IA-32
// Architectures Optimization Reference Manual: Xeon Platinum cores have two 512-bit FMA units, 2 x 16
// FP32 lanes x 2 FLOP = 64 FP32 FLOP per cycle; Intel AMX (Sapphire Rapids) does 1,024 BF16 FLOP per
// cycle per core (Intel, "Accelerate AI workloads with Intel AMX"). UPI: 2 bytes per transfer per
// direction per link [D].
#include "engine/host_cpu.hpp"

#include "common/errors.hpp"
#include "common/name_table.hpp"

#include <vector>

namespace moetwin {

std::span<const HostCpuSpec> host_cpu_catalogue() {
    static const std::vector<HostCpuSpec> table = {
        // The RTX 4090 boxes' host (PCIe Gen4, like the cards): 2 x 8 x 3.2 GT/s x 8 B = 409.6 GB/s; UPI
        // 3 x 11.2 GT/s x 2 B = 67.2 GB/s per direction (topologies/cluster_spec.hpp kUpiIceLakeBps, the
        // PCIe box's default host bridge); FP32 FMA: 64 x 2.3 GHz = 147.2 GFLOP/s per core [ARK-8380, OPT].
        {.name                       = "xeon_8380_2s",
         .display_name               = "2x Xeon Platinum 8380 (Ice Lake-SP)",
         .sockets                    = 2,
         .cores_per_socket           = 40,
         .base_clock_hz              = 2.3e9,
         .memory_channels_per_socket = 8,
         .memory_transfers_per_s     = 3.2e9,
         .flops_per_cycle_per_core   = 64,
         .inter_socket_Bps           = 3 * 11.2e9 * 2},
        // The H800 node's host (PCIe Gen5): 2 x 8 x 4.8 GT/s x 8 B = 614.4 GB/s; UPI 4 x 16 GT/s x 2 B = 128 GB/s
        // per direction; AMX BF16: 1,024 x 2.0 GHz = 2,048 GFLOP/s per core [ARK-8480+, OPT].
        {.name                       = "xeon_8480p_2s",
         .display_name               = "2x Xeon Platinum 8480+ (Sapphire Rapids)",
         .sockets                    = 2,
         .cores_per_socket           = 56,
         .base_clock_hz              = 2.0e9,
         .memory_channels_per_socket = 8,
         .memory_transfers_per_s     = 4.8e9,
         .flops_per_cycle_per_core   = 1024,
         .inter_socket_Bps           = 4 * 16e9 * 2},
    };
    return table;
}

const HostCpuSpec& find_host_cpu(std::string_view name) {
    std::vector<std::string_view> known;
    for (const HostCpuSpec& c : host_cpu_catalogue()) {
        if (c.name == name) return c;
        known.push_back(c.name);
    }
    throw ConfigError(unknown_name_message("host_cpu", name, known));
}

} // namespace moetwin
