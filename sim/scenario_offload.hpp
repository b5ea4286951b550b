// SPDX-License-Identifier: Apache-2.0
// Expert offloading (issue 20 item 4): routed-expert weights that do not fit in HBM stay in host DRAM.
// The scenario's `offload` section as a plain struct, SI units; parsed in sim/scenario_offload_json.cpp,
// used by the memory fit (sim/scenario_fit.cpp) and the step (sim/step/expert_offload_step.hpp).
#pragma once

#include "common/name_table.hpp"

#include <array>
#include <string>
#include <string_view>

namespace moetwin {

// Which routed experts of a layer stay resident in HBM.
enum class ResidencyPolicy { StaticHottest, Lru, Lfu };
inline constexpr std::array<NameEntry<ResidencyPolicy>, 3> kResidencyPolicies = {{
    {ResidencyPolicy::StaticHottest, "static_hottest",
     "the hottest experts by the routing popularity (or recorded loads), fixed"},
    {ResidencyPolicy::Lru, "lru", "cache: a missed expert is loaded, evicting the least recently used"},
    {ResidencyPolicy::Lfu, "lfu", "cache: a missed expert is loaded, evicting the least frequently used"},
}};
constexpr std::string_view to_string(ResidencyPolicy v) {
    return table_name(kResidencyPolicies, v);
}

// What happens to an activated expert that is not resident.
enum class OffloadMiss { Fetch, CpuCompute };
inline constexpr std::array<NameEntry<OffloadMiss>, 2> kOffloadMisses = {{
    {OffloadMiss::Fetch, "fetch", "its weights come over PCIe from host memory before the expert GEMMs"},
    {OffloadMiss::CpuCompute, "compute_on_cpu", "the host CPU computes it (activations over PCIe and back)"},
}};
constexpr std::string_view to_string(OffloadMiss v) {
    return table_name(kOffloadMisses, v);
}

struct OffloadConfig {
    bool enabled = false;
    std::string host_cpu;                 // engine/host_cpu.hpp entry the defaults below come from; "": none
    double host_memory_bytes         = 0; // DRAM per node for offloaded weights
    double host_memory_bandwidth_Bps = 0; // per node, shared by its GPUs' fetches and the CPU's expert GEMMs
    double host_bridge_bandwidth_Bps = 0; // aggregate host↔GPU PCIe through the root complex per node; 0: no limit
    ResidencyPolicy policy           = ResidencyPolicy::StaticHottest;
    OffloadMiss miss                 = OffloadMiss::Fetch;
    int resident_experts_per_gpu     = -1;   // per MoE layer; -1: as many as the memory fit leaves room for
    bool prefetch                    = true; // fetch overlapped with the previous layer's MoE and this one's attention
    int history_steps                = 64;   // sampled steps the LRU/LFU cache is warmed and its hit rate measured on
    int cpu_cores                    = 0;    // compute_on_cpu: cores the expert GEMMs use
    double cpu_flops_per_core        = 0;    // compute_on_cpu: peak FLOP/s of one core at the expert precision
};

} // namespace moetwin
