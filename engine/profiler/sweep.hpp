// SPDX-License-Identifier: Apache-2.0
// The profile sweep: which shapes moetwin-profile measures, grouped in families that share a layer
// runner shape, and the loop that turns LayerRunner ops + Bench timings into OpProfile records.
//   tokens             every op whose axis is its rows (norms, projections, gate, shared expert, permute,
//                      o_proj; kv_b_proj too: decode absorbed, prefill over the context), both phases
//   dense              the dense FFN ops (first layers)
//   experts            expert_gate_up / swiglu / down over (local experts × tokens per expert), both layouts
//   decode_attention   mla_decode over (batch × KV length) for 1 and 2 query tokens
//   prefill_attention  mla_prefill over (requests × prompt chunk × cached prefix)
// Shapes whose buffers would not fit the memory budget are skipped and listed (a later lookup of such a
// shape falls back to the roofline and says so).
#pragma once

#include "engine/precision.hpp"
#include "engine/profile.hpp"
#include "engine/profiler/bench.hpp"

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

namespace moetwin::profiler {

struct SweepConfig {
    std::string model = "deepseek_v3";
    std::vector<std::string> families{"tokens", "dense", "experts", "decode_attention", "prefill_attention"};
    std::vector<Precision> precisions{Precision::Fp8E4m3}; // GEMM weight formats (bf16, fp8_e4m3)
    std::vector<int> attn_tp{1};
    std::vector<int64_t> tokens; // tokens per GPU for the token family and the dense FFN
    std::vector<int64_t> local_experts;
    std::vector<int64_t> tokens_per_expert;
    std::vector<int64_t> decode_batch; // requests per GPU
    std::vector<int64_t> decode_kv;    // context per request
    std::vector<int64_t> query_tokens{1, 2};
    std::vector<int64_t> prefill_requests;
    std::vector<int64_t> prefill_chunk;  // new tokens per request
    std::vector<int64_t> prefill_prefix; // cached tokens before them
    int64_t max_prefill_tokens = 32768;  // requests × chunk
    double memory_budget_bytes = 0;      // activations + KV cache per shape; 0 = 60 % of free memory
    int max_input_sets         = 4;
    double time_budget_s       = 2.0; // per shape and op: fewer repeats for slow ops (>= 5)
    BenchConfig bench;
    std::string op_filter; // only ops whose name contains this ("" = all)

    // "quick": a first small profile (minutes); "full": the grid the simulator needs (tokens 1…32K,
    // experts 1…16, KV up to 128K; hours with the SIMT attention kernels).
    static SweepConfig preset(const std::string& name);
};

struct SweepProgress {
    std::function<void(const std::string& line)> log           = nullptr; // one line per record / skip
    std::function<void(const ProfileFile& partial)> checkpoint = nullptr; // after every family
};

// Runs the sweep on the current CUDA device and returns the profile (records in measuring order).
ProfileFile run_sweep(const SweepConfig& config, const SweepProgress& progress);

// The implementation label stored with each record ("cublaslt_fp8_blockscale", "moetwin_simt", ...).
std::string op_impl(const std::string& op, Phase phase, Precision weight_precision);

} // namespace moetwin::profiler
