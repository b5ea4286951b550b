// SPDX-License-Identifier: Apache-2.0
// DeepEP generations: the name table and each generation's calibration.
#include "sim/published/deepep_generation.hpp"

#include "common/errors.hpp"

namespace moetwin {
namespace {

using G = DeepEpGeneration;

constexpr DeepEpGenerationInfo kGenerations[] = {
    {G::V1_2025_02, "v1_2025_02", "2025-02-24", "ebfe47e",
     "V1 as first released: normal internode RDMA through NVSHMEM's CPU proxy (IBRC, one QP per peer); low-latency "
     "RDMA only"},
    {G::V1_2025_04_Ibgda, "v1_2025_04_ibgda", "2025-04-22", "3b1045d",
     "normal internode RDMA posted by GPU threads (IBGDA, one QP per channel); low-latency RDMA only"},
    {G::V1_2025_06_Nvlink, "v1_2025_06_nvlink", "2025-06-05", "d8dd185",
     "as April, and low-latency messages to GPUs of the same node over NVLink (PR #173)"},
};

// Fitted by `moetwin bench comm --fit` on each generation's own table, with the shared
// efficiencies and overheads of NetworkCalibration's defaults held fixed (those are fitted on the
// April table, whose internode rows have no IBRC and whose low-latency rows no NVLink path);
// minimax, ties broken by the sum of squares:
//  - kIbrcChunkStall_s, on the six ebfe47e internode rows (EP16/32/64) with DeepEP's recommended
//    RDMA chunks (deepep_rdma_chunk_tokens): 3.86 us per chunk and QP; worst row 6.1 % (EP16
//    dispatch -6.1, EP32 dispatch +6.1). One GPU-wide rate cap managed 10.4 %.
//  - kLlNvlinkMessage_s and kLlRdmaAfterNvlink, on the twelve low-latency rows of the June table
//    (d8dd185 EP8..64, ebfe47e EP128/256): 14.5 ns per NVLink message and RDMA after 0.52 of the
//    NVLink stores; worst row 8.7 % (EP128 combine, which neither parameter moves: the June table
//    keeps February's EP128/256 figures while its kernels send 7/127 of the messages over NVLink);
//    EP8..64 within 6.4 %. Without the RDMA-after-NVLink share no NVLink cost meets EP16 dispatch
//    (12 % fast at best).
constexpr double kIbrcChunkStall_s  = 3.86e-6;
constexpr double kLlNvlinkMessage_s = 14.52e-9;
constexpr double kLlRdmaAfterNvlink = 0.516;

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
    if (g == G::V1_2025_02) c.ibrc_chunk_stall_s = kIbrcChunkStall_s;
    if (g == G::V1_2025_06_Nvlink) {
        c.ll_nvlink_message_s  = kLlNvlinkMessage_s;
        c.ll_rdma_after_nvlink = kLlRdmaAfterNvlink;
    }
    return c;
}

RoutePolicy low_latency_policy(DeepEpGeneration g) {
    return g == G::V1_2025_06_Nvlink ? RoutePolicy::NvlinkFirst : RoutePolicy::RdmaOnly;
}

} // namespace moetwin
