// SPDX-License-Identifier: Apache-2.0
// Does a deployment fit in HBM? A pure function from a plain FitInput to a FitReport that lists
// every byte category on one GPU, the KV capacity left, and the largest batch that fits.
// Contract: fit_memory() reads only its argument and the model/GPU tables; it throws ConfigError
// for an inconsistent input and never for a deployment that merely does not fit.
#pragma once

#include "engine/gpu_spec.hpp"
#include "engine/model_spec.hpp"
#include "engine/op_spec.hpp"
#include "engine/phase.hpp"
#include "engine/precision.hpp"

#include <array>
#include <cstdint>
#include <iosfwd>
#include <span>
#include <string>

namespace moetwin {

struct ModelSpec;

inline constexpr int64_t kGiB = int64_t{1} << 30;

// Defaults describe DeepSeek's production decode unit (reference §3: 18 nodes, EP144, DP144,
// 2 routed + 1 shared expert per GPU, FP8 GEMMs, BF16 KV) serving 128 requests of 4096 tokens per GPU.
struct FitInput {
    std::string model    = "deepseek_v3";    // catalogue name (find_model)
    GpuSpec gpu          = find_gpu("h800"); // a table entry, possibly with scenario overrides
    Phase phase          = Phase::Decode;
    int num_dense_layers = -1; // -1: the model's own; smaller counts keep only that many (test scenarios)
    int num_moe_layers   = -1;

    int num_gpus = 144;             // GPUs in the serving unit
    int ep_size  = 144;             // GPUs the routed experts are spread over; divides num_gpus
    int dp_size  = 144;             // attention data-parallel ranks; dp_size × tp_size == num_gpus
    int tp_size  = 1;               // attention tensor parallelism: attention weights (and GQA KV heads) split by it;
                                    // the MLA latent cache cannot be split and is replicated
    int routed_experts_per_gpu = 2; // physical routed-expert slots per GPU, redundant ones included;
                                    // × ep_size must cover num_routed_experts
    int hosted_experts_per_gpu = 0; // dynamic redundancy: routed-expert weights held per GPU (0: the slots above)
    int shared_experts_per_gpu = 1; // shared-expert replicas per GPU (0 for models without one)

    Precision routed_expert_precision = Precision::Fp8E4m3; // routed experts
    Precision weight_precision        = Precision::Fp8E4m3; // every other GEMM: attention projections,
                                                            // dense FFN, shared experts. Norms, the gate,
                                                            // embedding, lm_head and MTP eh_proj stay BF16.
    Precision kv_precision = Precision::Bf16;

    int64_t context_tokens           = 4096;  // decode: KV tokens per request; prefill: prompt length
    int64_t query_tokens_per_request = 1;     // decode tokens per request per step (2 with one MTP draft)
    int64_t requests_per_gpu         = 128;   // decode batch per GPU (per DP rank)
    int64_t tokens_per_gpu           = 16384; // prefill batch per GPU, in tokens
    int64_t cached_prefix_tokens     = 0;     // prefill: cached tokens before each prompt (KV held, K/V expanded)
    int64_t kv_page_tokens           = 64;    // paged KV block (FlashMLA uses 64): requests take whole pages
    bool serve_mtp                   = false; // also hold the model's MTP modules (weights and KV)

    int64_t ll_max_dispatch_tokens_per_rank = 0; // DeepEP low-latency buffer (decode); 0 = the decode
                                                 // batch in tokens, i.e. sized to fit exactly
    int deepep_num_sms = 24; // DeepEP normal mode (prefill) SMs; 24 in DeepSeek's prefill trace (ref §4)

    // 2 GiB for what no formula here covers: the CUDA context and loaded kernel modules (cuBLAS,
    // DeepGEMM, FlashMLA; ~0.5-1 GiB on Hopper), cuBLAS workspaces (32 MiB each on Hopper), NCCL
    // communicators of the DP/TP groups and NVSHMEM bookkeeping (a few hundred MiB).
    int64_t reserve_bytes = 2 * kGiB;
    // Share of HBM the caching allocator can actually fill (fragmentation, CUDA-graph pools).
    double hbm_usable_fraction = 0.95;

    // Expert offloading (issue 20; scenario key `offload`): routed-expert weights of the main MoE layers that
    // do not fit stay in host DRAM. Every MoE layer keeps the same number resident per GPU.
    bool offload_experts                 = false;
    int offload_resident_experts_per_gpu = -1; // -1: as many as fit beside the requested batch's KV
    int64_t host_memory_bytes            = 0;  // per node, for the offloaded weights
    int gpus_per_node                    = 8;  // GPUs sharing one host's memory
    int offload_staging_layers           = 2;  // layers of fetched experts buffered in HBM (2: prefetch)

    // Throws ConfigError naming the field; checks names against the tables and counts against the model.
    void validate() const;
    // The catalogue model with the layer counts above applied.
    ModelSpec resolved_model() const;
};

struct FitReport {
    FitInput input;
    int64_t hbm_bytes    = 0; // GPU capacity
    int64_t usable_bytes = 0; // hbm_bytes × hbm_usable_fraction

    std::array<int64_t, kNumWeightRoles> weight_bytes_by_role{}; // indexed by WeightRole
    int64_t weight_bytes = 0;

    std::string comm_buffer_kind; // which DeepEP buffers were sized
    int64_t comm_buffer_bytes = 0;
    int64_t activation_bytes  = 0; // at the requested batch
    int64_t reserve_bytes     = 0;

    int64_t kv_bytes_per_token    = 0; // on this GPU, all layers (MTP included when served)
    int64_t kv_tokens_per_request = 0; // context rounded up to whole pages
    int64_t kv_bytes              = 0; // KV of the requested batch
    int64_t kv_capacity_tokens    = 0; // KV tokens that fit beside weights, buffers, activations, reserve
    int64_t kv_capacity_requests  = 0; // requests of context_tokens that fit (whole pages)

    // Routed experts (main MoE layers). Without offloading every slot is resident and nothing is offloaded.
    int64_t expert_bytes            = 0; // one routed expert of one layer at its precision (scales included)
    int resident_experts_per_gpu    = 0; // per MoE layer
    int offloaded_experts_per_gpu   = 0; // per MoE layer, held in host memory
    int64_t offloaded_bytes_per_gpu = 0; // all MoE layers
    int64_t host_bytes_per_node     = 0; // offloaded weights of the node's GPUs
    int64_t staging_bytes           = 0; // HBM buffer the fetched experts land in (offload_staging_layers layers)

    int64_t free_bytes = 0; // usable − everything above; negative when it does not fit
    bool fits          = false;
    std::string reason;    // one plain sentence
    int64_t max_batch = 0; // largest batch that fits: requests (decode) or tokens (prefill); 0 if none

    const char* batch_unit() const { return input.phase == Phase::Decode ? "requests" : "tokens"; }
};

FitReport fit_memory(const FitInput& input);

// Activation working set at a batch (requests in decode, tokens in prefill). See memory_fit.cpp.
int64_t activation_bytes(const FitInput& input, const ModelSpec& model, int64_t batch);

// A readable table, each category in bytes, GiB and GB, then the verdict and the max batch.
void print_fit_report(std::ostream& out, const FitReport& report);
std::ostream& operator<<(std::ostream& out, const FitInput& input); // every field, one line

} // namespace moetwin
