// SPDX-License-Identifier: Apache-2.0
// One operator of a transformer layer, as data: its name, what it is, the weights it owns and
// formulas for its FLOPs and HBM bytes at a given shape. A model is lists of these (model_spec.hpp);
// the profiler sweeps them, the profile file is keyed by their names, the simulator walks them.
#pragma once

#include "engine/phase.hpp"
#include "engine/precision.hpp"

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>

namespace moetwin {

// The work one GPU does for one op in one step. Fields an op does not use are ignored.
struct OpShape {
    Phase phase                      = Phase::Decode;
    int64_t num_tokens               = 1; // tokens through the op on this GPU (all requests × query positions)
    int64_t num_requests             = 1; // requests (sequences) those tokens belong to
    int64_t kv_len                   = 1; // mean context per request, new tokens included (keys a query may see)
    int64_t query_tokens_per_request = 1; // s_q: 1 in decode, 2 with one MTP draft; prompt chunk in prefill
    int64_t num_local_experts        = 1; // routed experts this GPU runs (GroupedGemm groups)
    int64_t tokens_per_expert        = 0; // mean tokens each local expert receives (GroupedGemm M per group)
    int64_t received_tokens          = 0; // distinct tokens the dispatch delivered to this GPU (DeepEP normal
                                          // mode: one copy per token and GPU); 0 = num_local_experts ×
                                          // tokens_per_expert (every row a distinct token)
    int attn_tp_size             = 1;     // attention tensor parallelism: a GPU holds heads / attn_tp_size
    Precision weight_precision   = Precision::Fp8E4m3; // quantised GEMM weights (and their input activations)
    Precision kv_precision       = Precision::Bf16;
    Precision dispatch_precision = Precision::Fp8E4m3; // all-to-all dispatch payload; combine is BF16

    // Throws ConfigError naming the field when a count is out of range.
    void validate() const;
};

// Op families: the roofline has one efficiency per family (engine/roofline.hpp) and the trace
// importer classifies kernels into them.
enum class OpKind {
    Embedding,
    Norm,
    Gemm,
    GroupedGemm,
    Attention,
    Elementwise, // SwiGLU (fused with the FP8 cast of its output)
    Gate,
    Communication,
    Cast,      // BF16 -> FP8 e4m3 with one fp32 scale per 1×128 block, per token (GEMM inputs)
    Transpose, // the fp32 scales of a cast into the column-major layout the FP8 GEMM reads
    Rotary,    // RoPE on the decoupled query and key parts
    Permute,   // received tokens into expert order before the grouped GEMMs
    Reduce,    // un-permute + top-k weighted sum of the local experts' outputs, one row per token
    Sampling,  // softmax and top-p over the vocabulary, one draw per logit row
    // Training only (engine/training_ops.hpp): kernels DeepSeek's H800 training trace runs beside its GEMMs.
    WeightTranspose, // FP8 weights into the layout the input-gradient GEMM reads (batched_transpose)
    Routing,         // the training router's score and top-k kernels (PyTorch, latency-bound)
    PermuteIndex,    // the expert-order index of the permutation (one CTA per local expert)
};

// Which pass of training an op belongs to (engine/training_ops.hpp); inference ops are Forward.
enum class OpPass { Forward, Recompute, InputGrad, WeightGrad };

// The dimensions of one (grouped) GEMM: `groups` × [m, k] · [k, n].
struct GemmDims {
    int64_t groups = 1, m = 0, n = 0, k = 0;
};

// What the weights of an op are, for parameter counts and memory by category.
enum class WeightRole { None, Embedding, Attention, Norm, DenseFfn, Gate, RoutedExpert, SharedExpert, Mtp, Head };
inline constexpr int kNumWeightRoles = 10;

using OpCostFn = std::function<double(const OpShape&)>;

// Contract: flops(shape) and bytes(shape) are the totals on ONE GPU for the whole op in one step, all
// instances that GPU runs included (GroupedGemm: num_local_experts × tokens_per_expert rows; shared
// experts: every shared expert). FLOPs count 2 per multiply-add. Bytes are HBM traffic (weights read
// once + activations read and written); for Communication ops they are the bytes this GPU sends.
// Both are pure functions of the shape; the op captures the model's dimensions by value.
struct OpSpec {
    std::string name; // DeepSeek-V3 / HF naming: "q_a_proj", "mla_decode", "dispatch"
    OpKind kind                 = OpKind::Elementwise;
    WeightRole role             = WeightRole::None;
    int64_t in_features         = 0; // GEMM weight [out_features, in_features]; 0 when not a GEMM
    int64_t out_features        = 0;
    int64_t params_per_instance = 0;    // in·out for GEMMs; vector length for norms; 0 when no weights
    int64_t instances_per_layer = 1;    // e.g. 256 routed experts, 2 shared experts
    int64_t max_tp_shards       = 1;    // attention TP divides the weights by min(tp, this): heads for
                                        // q/o, KV heads for k/v, vocab for embedding/head; 1 = replicated
    bool tp_splits_in_features = false; // TP shards in_features (o_proj) instead of out_features
    bool quantized             = false; // stored in the GEMM weight precision (else BF16)
    std::optional<Phase> only_in;       // set for ops that run in one phase only (mla_prefill/mla_decode)
    OpPass pass = OpPass::Forward;      // training ops say which pass they are (engine/training_ops.hpp)
    // Set when the GEMM is not (rows, out_features, in_features): weight gradients, whose K is the rows.
    std::function<GemmDims(const OpShape&)> gemm_dims;
    bool normal_comm_only = false; // runs only beside DeepEP normal-mode all-to-all (moe_permute,
                                   // moe_reduce): the low-latency kernels deliver tokens in expert
                                   // order and reduce the top-k outputs inside dispatch/combine
    OpCostFn flops;
    OpCostFn bytes;
};

bool runs_in(const OpSpec& op, Phase phase);
// Exact weight bytes of ONE instance on one GPU: the matrix through matrix_bytes() in `weight_precision`
// when op.quantized (else BF16), sharded by min(attn_tp_size, max_tp_shards); params beyond the matrix
// are fp32 vectors (the noaux_tc gate bias, fp32 in DeepSeek's checkpoint); weights of non-GEMM ops BF16.
int64_t instance_weight_bytes(const OpSpec& op, Precision weight_precision, int attn_tp_size);

std::string_view to_string(OpKind kind);
std::string_view to_string(OpPass pass);
std::string_view to_string(WeightRole role);
std::ostream& operator<<(std::ostream& out, const OpShape& shape);
std::ostream& operator<<(std::ostream& out, const OpSpec& op); // name, kind, role, params, instances

} // namespace moetwin
