// SPDX-License-Identifier: Apache-2.0
// LayerRunner: one DeepSeek-V3 layer for one DP rank's batch and its local experts on one GPU, composed
// from the kernels, as a list of named ops whose names are the op catalogue's (engine/model_spec.hpp):
// the profiler times each op, run_layer() runs them all in order. Activations live in `num_sets` copies
// (input rotation: repeat r uses set r % num_sets); the KV cache and the weights are shared.
//
// What each op launches (FP8; BF16 drops the quantisations):
//   attn_norm      rms_norm → FP8 x                       q_a_proj, q_b_proj, kv_a_proj   one GEMM each
//   q_a_norm       rms_norm → FP8                         kv_a_norm  rms_norm of the 512 latent columns
//   kv_b_proj      prefill: GEMM over every context token (kv_len per request) → k_nope | v
//                  decode:  absorbed BF16 batched GEMMs, one op before mla_decode (q_nope·W_UK, plus the
//                           q_rope copy) and one after it (o_latent·W_UVᵀ): the profile sums both
//   mla_prefill / mla_decode   core attention (mla_prefill.hpp / mla_decode.hpp)
//   o_proj         quantise the attention output to FP8, GEMM
//   ffn_norm       rms_norm → BF16 (gate input) and FP8 (shared expert input)
//   moe_gate       gate GEMM (BF16 → fp32 logits) + the DeepSeek-V3 top-k kernel
//   moe_permute, moe_unpermute   the local batch's permutation and weighted combine (aux ops: DeepEP
//                  fuses them into dispatch/combine, which the network model times)
//   expert_gate_up, expert_swiglu, expert_down   grouped over the local experts, on rows as DeepEP
//                  delivers them: tokens_per_expert per expert (contiguous in prefill, masked in decode)
//   shared_gate_up, shared_swiglu, shared_down   dense_gate_up, dense_swiglu, dense_down
// NOTES: the decode KV cache is pre-filled (appending the step's latents is not timed); RoPE is not
// applied (elementwise, not modelled); every request has the same kv_len.
#pragma once

#include "engine/kernels/gemm.cuh"
#include "engine/kernels/layer_weights.hpp"
#include "engine/phase.hpp"

#include <cuda_runtime_api.h>

#include <functional>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

namespace moetwin::kernels {

struct LayerShape {
    Phase phase               = Phase::Decode;
    bool moe                  = true; // false: dense FFN layer (needs weights with the dense FFN)
    int64_t num_requests      = 1;
    int64_t query_tokens      = 1; // per request: 1-2 in decode (MTP), the prompt chunk in prefill
    int64_t kv_len            = 1; // context per request, new tokens included
    int64_t num_local_experts = 1;
    int64_t tokens_per_expert = 1; // rows each local expert receives after dispatch
    int64_t page_size         = 64;

    int64_t num_tokens() const { return num_requests * query_tokens; }
    void validate() const; // throws ConfigError naming the field
};
std::ostream& operator<<(std::ostream& out, const LayerShape& s);

struct RunnerOp {
    std::string name;                               // op catalogue name ("q_a_proj") or aux op
    std::function<void(int set, cudaStream_t)> run; // enqueues the op's kernels on the stream
};

class LayerRunner {
  public:
    // Allocates `num_sets` activation sets and the KV cache, fills them with seeded random values.
    LayerRunner(const LayerWeights& weights, const LayerShape& shape, GemmContext& gemm, int num_sets, uint64_t seed,
                cudaStream_t stream);
    ~LayerRunner();
    LayerRunner(const LayerRunner&)            = delete;
    LayerRunner& operator=(const LayerRunner&) = delete;

    const std::vector<RunnerOp>& ops() const { return ops_; }
    void run_layer(int set, cudaStream_t stream) const;
    int num_sets() const;
    size_t device_bytes() const; // activations + KV cache

    // Bytes of one activation set and of the shared KV cache for a shape (to choose num_sets).
    static size_t activation_set_bytes(const LayerDims& d, const LayerShape& s, bool fp8);
    static size_t kv_cache_bytes(const LayerDims& d, const LayerShape& s);

    struct State;

  private:
    std::unique_ptr<State> state_;
    std::vector<RunnerOp> ops_;
};

} // namespace moetwin::kernels
