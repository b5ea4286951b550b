// SPDX-License-Identifier: Apache-2.0
// DeepEP generations: the name table and each generation's calibration.
#include "sim/network/deepep_generation.hpp"

#include "common/errors.hpp"

namespace moetwin {
namespace {

using G = DeepEpGeneration;

constexpr DeepEpGenerationInfo kGenerations[] = {
    {G::V1_2025_02, "v1_2025_02", "2025-02-24", "ebfe47e",
     "V1 as first released: normal internode RDMA through NVSHMEM's CPU proxy; low-latency RDMA only"},
    {G::V1_2025_04_Ibgda, "v1_2025_04_ibgda", "2025-04-22", "3b1045d",
     "normal internode RDMA posted by GPU threads (IBGDA, one QP per channel); low-latency RDMA only"},
    {G::V1_2025_06_Nvlink, "v1_2025_06_nvlink", "2025-06-05", "d8dd185",
     "as April, and low-latency messages to GPUs of the same node over NVLink (PR #173)"},
};

// Fitted by `moetwin bench comm --fit` on each generation's own table, with the shared
// efficiencies and overheads of NetworkCalibration's defaults held fixed (those are fitted on the
// April table, whose internode rows have no proxy and whose low-latency rows no NVLink path):
//  - kProxyRdma_Bps: minimax over the six ebfe47e internode rows (EP16/32/64): 37.3 GB/s per GPU
//    is what one proxy thread posting RDMA writes sustains (the NIC alone: 44.5 GB/s). Worst row
//    10.4 % (EP32 dispatch +10.4, EP64 dispatch -10.4): one GPU-wide cap cannot give both, as
//    the released EP32 rows lost 24 % against IBGDA and EP64 only 10 %. EP32 sends to 3 peers,
//    EP64 to 7: a cap per peer (one IBRC QP per peer) would hurt EP64 less, but EP16 (1 peer,
//    NVLink-bound at 22 GB/s of RDMA) rules a per-peer cap below 22 GB/s out. Not resolved.
//  - kLlNvlinkMessage_s: minimax over the d8dd185 rows EP8..64: the issue time per message the
//    sending warps spend on NVLink stores. EP8 combine is met; EP8 and EP16 dispatch stay 12 %
//    fast: dispatch casts each token to FP8 before storing it and, at EP16, its RDMA half finishes
//    later than the NIC allows (111 us for 3.8 MB, 34 GB/s) as if the warps posted RDMA only after
//    their NVLink stores. The fluid model overlaps the two paths; that serialisation is not modelled.
constexpr double kProxyRdma_Bps     = 37.3e9;
constexpr double kLlNvlinkMessage_s = 8.3e-9;

} // namespace

std::span<const DeepEpGenerationInfo> deepep_generations() {
    return kGenerations;
}

const DeepEpGenerationInfo& info(DeepEpGeneration g) {
    for (const auto& i : kGenerations)
        if (i.generation == g) return i;
    MOETWIN_ASSERT(false, "unknown DeepEP generation");
    return kGenerations[0];
}

std::string_view to_string(DeepEpGeneration g) {
    return info(g).name;
}

std::optional<DeepEpGeneration> deepep_generation_from_string(std::string_view name) {
    for (const auto& i : kGenerations)
        if (i.name == name) return i.generation;
    return std::nullopt;
}

NetworkCalibration deepep_calibration(DeepEpGeneration g) {
    NetworkCalibration c;
    if (g == G::V1_2025_02) c.proxy_rdma_Bps = kProxyRdma_Bps;
    if (g == G::V1_2025_06_Nvlink) c.ll_nvlink_message_s = kLlNvlinkMessage_s;
    return c;
}

RoutePolicy low_latency_policy(DeepEpGeneration g) {
    return g == G::V1_2025_06_Nvlink ? RoutePolicy::NvlinkFirst : RoutePolicy::RdmaOnly;
}

} // namespace moetwin
