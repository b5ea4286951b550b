// SPDX-License-Identifier: Apache-2.0
// DeepEP's two all-to-all patterns (deepseek-ai/DeepEP V1, reference §5) as FlowSets:
//  - normal: dispatch sends each token over RDMA to the same-local-rank GPU of every destination
//    node, at most once per node, which forwards it over NVLink to the GPUs holding its experts;
//    combine is the reverse (NVLink to the forwarder, reduce, one RDMA message per node).
//  - low-latency: one RDMA message per (token, expert) selection, straight to the expert's GPU
//    (IBGDA; V1 sends even same-node messages through the NIC).
#pragma once

#include "sim/network/flow_set.hpp"
#include "sim/network/traffic_matrix.hpp"
#include "sim/published/comm_enums.hpp"
#include "topologies/routing.hpp"

#include <cstdint>
#include <string_view>

namespace moetwin {

enum class FlowGranularity : std::uint8_t {
    PerPair,    // normal mode: one NVLink flow per (original source, destination GPU)
    Aggregated, // normal mode: one NVLink flow per (forwarder, destination GPU), as DeepEP's channels move them
};

struct DeepEpShape {
    int hidden        = 7168; // DeepSeek-V3 hidden size (reference §1.1)
    int num_topk      = 8;
    bool fp8_dispatch = true; // FP8 dispatch, BF16 combine (reference §5.1)
};

// Bytes on the wire, as DeepEP V1 lays messages out (csrc/kernels/internode.cu, internode_ll.cu):
// LL dispatch: hidden + hidden/128 x 4 (scales) + 16 (header) = 7,408 B per selection (FP8).
std::int64_t ll_dispatch_bytes_per_selection(const DeepEpShape& s);
// LL combine: hidden x 2 = 14,336 B per selection (BF16).
std::int64_t ll_combine_bytes_per_selection(const DeepEpShape& s);
// Normal RDMA token: align16(hidden payload + 8 B SourceMeta + scales + top-k indices and weights):
// 7,472 B for FP8 dispatch, 14,384 B for BF16 combine (get_num_bytes_per_rdma_token).
std::int64_t rdma_token_bytes(const DeepEpShape& s, CommDirection dir);
// Normal NVLink token: the same fields without the alignment: 7,464 B dispatch, 14,376 B combine.
std::int64_t nvl_token_bytes(const DeepEpShape& s, CommDirection dir);
// What DeepEP's tests divide by the time: hidden x 2 x fp8_factor (fp8_factor = (1 + 4/128) / 2)
// for FP8 dispatch = 7,392 B; hidden x 2 = 14,336 B for BF16 combine (tests/test_internode.py).
double normal_metric_bytes_per_token(const DeepEpShape& s, CommDirection dir);

struct DeepEpOptions {
    DeepEpMode mode         = DeepEpMode::Normal;
    CommDirection direction = CommDirection::Dispatch;
    DeepEpShape shape;
    FlowGranularity granularity = FlowGranularity::Aggregated;
    RoutePolicy ll_policy       = RoutePolicy::RdmaOnly; // V1 (Feb 2025); NvlinkFirst models PR #173
    int rdma_chunk_tokens       = 0; // normal mode: tokens per RDMA write; 0: deepep_rdma_chunk_tokens()
};

// Tokens per RDMA write of the normal internode kernels (Config.num_max_rdma_chunked_send_tokens):
// DeepEP's recommended configs (deep_ep/buffer.py at ebfe47e; reference §5.2 lists the dispatch
// ones: EP32 32, EP64 28, EP144 12), dispatch EP16/24/32/64/128/144/160 = 20/32/32/28/32/12/12,
// combine 28/20/20/20/12/8/8. Their NVLink chunks (dispatch 16/8/8/20, combine 2/1/1/1) are values
// only the chunk sweep of tests/test_internode.py tries (combine NVLink 1..4), so we read them as
// that sweep's winners: the settings of the published internode rows. An EP between listed sizes
// takes the entry of the largest listed EP below it (below 16: EP16's).
int deepep_rdma_chunk_tokens(int ep, CommDirection dir);

// Flows of one phase. Ranks are grouped by node as DeepEP requires (rank / gpus_per_node).
// `gpu_of_rank` maps ranks to topology GPUs; ranks of one node must sit in one scale-up domain.
FlowSet build_deepep_flows(const TrafficMatrix& traffic, const Router& router, std::vector<int> gpu_of_rank,
                           const DeepEpOptions& opt);
// The same with routes memoised across calls (one RouteTable per run: every phase reuses them).
// `storage` is cleared and holds the flows: passing an earlier phase's keeps its warm memory
// (an EP144 phase's 20k flows in freshly mapped pages cost more than building them).
FlowSet build_deepep_flows(const TrafficMatrix& traffic, RouteTable& routes, std::vector<int> gpu_of_rank,
                           const DeepEpOptions& opt, std::vector<Flow> storage = {});

} // namespace moetwin
