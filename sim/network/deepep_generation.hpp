// SPDX-License-Identifier: Apache-2.0
// DeepEpGeneration: which published DeepEP V1 kernel generation the all-to-all is calibrated to
// (scenario key network.deepep; reference §5.1). One name table serves parse, print and --list.
// What differs physically between generations (the parameters live in NetworkCalibration):
//  - v1_2025_02 (2025-02-24, ebfe47e, as first released): the normal internode kernels send RDMA
//    through NVSHMEM's IBRC transport, whose CPU proxy thread posts every RDMA write the GPU asks
//    for (one proxy per GPU). The proxy, not the SMs or the NIC, caps the RDMA rate a GPU reaches
//    in normal mode: proxy_rdma_Bps. The low-latency kernels already used IBGDA (GPU-initiated
//    RDMA) and send every message through the NIC, same-node ones included (RoutePolicy::RdmaOnly).
//  - v1_2025_04_ibgda (2025-04-22, 3b1045d, Tencent's patch): the normal kernels post RDMA work
//    requests from GPU threads (IBGDA) on one QP per channel; the proxy cap is gone and the NIC
//    (ib_efficiency) binds. Low-latency kernels unchanged.
//  - v1_2025_06_nvlink (2025-06-05, d8dd185, DeepEP PR #173): the low-latency kernels write
//    same-node messages over NVLink with SM stores (RoutePolicy::NvlinkFirst); each message then
//    costs the sending warps a fixed issue time on top of its bytes (ll_nvlink_message_s).
//    Normal kernels as in April.
#pragma once

#include "sim/network/network_calibration.hpp"
#include "topologies/routing.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace moetwin {

enum class DeepEpGeneration : std::uint8_t { V1_2025_02, V1_2025_04_Ibgda, V1_2025_06_Nvlink };

struct DeepEpGenerationInfo {
    DeepEpGeneration generation;
    std::string_view name;   // the scenario spelling
    std::string_view date;   // of the README table
    std::string_view commit; // DeepEP commit whose README holds the table
    std::string_view what;   // one line for --list and `moetwin validate`
};

// The name table, oldest first.
std::span<const DeepEpGenerationInfo> deepep_generations();
const DeepEpGenerationInfo& info(DeepEpGeneration g);
std::string_view to_string(DeepEpGeneration g);
std::optional<DeepEpGeneration> deepep_generation_from_string(std::string_view name);

// Default when a scenario names none: the newest V1 generation, what a cluster installing DeepEP
// V1 runs today. Replicas of DeepSeek's early-2025 deployment name v1_2025_02 explicitly.
inline constexpr DeepEpGeneration kDefaultDeepEpGeneration = DeepEpGeneration::V1_2025_06_Nvlink;

// The calibration fitted to the generation's own table (deepep_calibration.cpp, `moetwin bench
// comm --fit`): shared link efficiencies and phase overheads plus the generation's own parameters.
NetworkCalibration deepep_calibration(DeepEpGeneration g);

// How low-latency messages between GPUs of one node travel in this generation.
RoutePolicy low_latency_policy(DeepEpGeneration g);

} // namespace moetwin
