// SPDX-License-Identifier: Apache-2.0
// HostCpuSpec: the host CPUs of the offloading what-ifs (issue 20 item 4), one table beside the GPU table
// (gpu_spec.hpp). Every figure carries its source in host_cpu.cpp. The scenario's `offload.host_cpu` names
// an entry; its memory bandwidth and its cores' peak then feed the offload model (sim/scenario_offload.hpp)
// where the scenario does not give them itself.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace moetwin {

// A dual-socket (or single-socket) server's CPUs, per node.
struct HostCpuSpec {
    std::string name;         // table key: "xeon_8480p_2s"
    std::string display_name; // "2x Xeon Platinum 8480+ (Sapphire Rapids)"
    int sockets          = 0;
    int cores_per_socket = 0;
    double base_clock_hz = 0;
    // Memory: channels per socket x transfers/s x 8 B per transfer (a 64-bit channel).
    int memory_channels_per_socket = 0;
    double memory_transfers_per_s  = 0;
    // Peak FLOP/s of one core for the expert GEMMs at the base clock: FLOP per cycle x base_clock_hz (BF16 on
    // AMX where the core has it, else FP32 FMA on its vector units).
    double flops_per_cycle_per_core = 0;
    double inter_socket_Bps         = 0; // per direction, all links (UPI / xGMI); 0: one socket

    int cores() const { return sockets * cores_per_socket; }
    double memory_bandwidth_Bps() const {
        return double(sockets) * double(memory_channels_per_socket) * memory_transfers_per_s * 8.0;
    }
    double flops_per_core() const { return flops_per_cycle_per_core * base_clock_hz; }
};

std::span<const HostCpuSpec> host_cpu_catalogue();
// Exact, lowercase name (common/name_table.hpp); throws ConfigError (unknown_name_message) otherwise.
const HostCpuSpec& find_host_cpu(std::string_view name);

} // namespace moetwin
