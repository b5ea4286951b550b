// SPDX-License-Identifier: Apache-2.0
// DeepEpGeneration: which published DeepEP V1 kernel generation the all-to-all is calibrated to
// (scenario key network.deepep; reference §5.1). One name table serves parse, print and --list.
// What differs physically between generations (the parameters live in NetworkCalibration):
//  - v1_2025_02 (2025-02-24, ebfe47e, as first released): the normal internode kernels send RDMA
//    through NVSHMEM's IBRC transport (NVSHMEM 3.1.7): a CPU proxy thread per GPU posts every RDMA
//    write, and every peer node is reached through ONE reliable-connection queue pair (QP) shared
//    by all channels. Each channel sends a chunk of tokens per RDMA write followed by a tail signal
//    (an RDMA atomic add on the same QP; internode.cu, kRDMASenderCoordinator). A QP executes its
//    work in order, so after each chunk it sends nothing for a while (the proxy posting the write
//    and the signal, the atomic executed against GPU memory at the receiver): ibrc_chunk_stall_s.
//    A GPU's P peer QPs overlap their stalls, so its NIC moves its bytes in bytes / rate +
//    (chunks per QP) x stall: the fewer the peers, the more the stall shows. This is why EP32
//    (3 peers) lost 24 % against April's IBGDA and EP64 (7 peers) only 10 % (a single GPU-wide cap
//    cannot give both), while EP16 (1 peer) is NVLink-bound in both. Tencent's patch names the
//    single QP per GPU pair as what limited these kernels (DeepEP commit 5ab80c2). The
//    low-latency kernels already used IBGDA (GPU-initiated RDMA) and send every message through
//    the NIC, same-node ones included (RoutePolicy::RdmaOnly).
//  - v1_2025_04_ibgda (2025-04-22, 3b1045d, Tencent's patch): the normal kernels post RDMA work
//    requests from GPU threads (IBGDA) on one QP per channel (12 x P QPs at 24 SMs): the same
//    per-chunk stall is spread over 12x more QPs (about 2 % of the EP32 dispatch time) and sits inside
//    the fitted ib_efficiency; the NIC binds. Low-latency kernels unchanged.
//  - v1_2025_06_nvlink (2025-06-05, d8dd185, DeepEP PR #173): the low-latency kernels write
//    same-node messages over NVLink with SM stores (RoutePolicy::NvlinkFirst); each message costs
//    the sending warps a fixed issue time on top of its bytes (ll_nvlink_message_s). In dispatch
//    the warps that store a token's NVLink messages also post its RDMA ones and the SM takes its
//    tokens one round after another (internode_ll.cu: one SM per 3 experts, 96 SMs for 288; a
//    block barrier per token), while an RDMA message's doorbell rings only every 4th message to an
//    expert or with the expert's count, sent after the SM's token loop. So most RDMA messages
//    leave only once the NVLink stores of the earlier rounds are done: a sender's RDMA starts
//    after a share ll_rdma_after_nvlink of its NVLink stores (96 of 128 tokens precede the last
//    round of DeepEP's test, 0.75, minus the messages rung early; fitted 0.52). Combine sends
//    each (expert, destination) pair from its own warp group, so its NVLink and RDMA overlap.
//    Normal kernels as in April.
#pragma once

#include "sim/published/network_calibration.hpp"
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
