// SPDX-License-Identifier: Apache-2.0
// Training op lists: the backward pass of a model's layer ops, derived from its forward op lists so that a
// new forward GEMM gets its gradients for free. Per forward op:
//   GEMMs and the gate ("x"):  x_dgrad (input gradient, dX = dY·W) and x_wgrad (weight gradient, dW = dYᵀ·X);
//   core attention (prefill): x_bwd (FlashAttention backward);
//   norms and SwiGLU:          x_bwd;
//   norms and the MLA up-projections q_b_proj / kv_b_proj: x_recompute, the forward op run again in the
//   backward pass (DeepSeek-V3 tech report §3.3.3 recomputes every RMSNorm and the MLA up-projections).
// Communication ops have no training op here: the backward of a dispatch is a combine and vice versa,
// timed by the network model. Training runs attention without tensor parallelism (DeepSeek-V3 tech report
// §3.2: "without costly Tensor Parallelism"), so these ops ignore attn_tp_size. They are valid profile
// records (ProfileTable accepts them); the simulator does not ask for them yet.
#pragma once

#include "engine/model_spec.hpp"
#include "engine/op_spec.hpp"

#include <string_view>
#include <vector>

namespace moetwin {

// Training ops of the model's MoE and dense layers, in forward-op order, each name once, followed by the
// glue ops of FP8 training (make_training_glue_ops).
// Contract: flops/bytes follow OpSpec's contract (totals on one GPU for one layer):
//   dgrad: 2·rows·in·out FLOPs; bytes = weights + rows·out dY (GEMM input format) + rows·in BF16 dX;
//   wgrad: 2·rows·in·out FLOPs as groups × [out, rows] · [rows, in] (gemm_dims); bytes = rows·(in + out)
//          activations in the GEMM input format + 8 B per weight (fp32 gradient read and written: DeepSeek's
//          wgrad kernels accumulate into the fp32 gradient, "fp8_dptp128c_acc" in its trace);
//   attention bwd: 2.5 × forward FLOPs (5 matmuls against the forward's 2) and 2 × forward bytes
//          (Q, K, V, O, dO read, dQ, dK, dV written);
//   norm bwd: 2 × forward FLOPs, 1.5 × forward bytes (x and dY read, dX written);
//   swiglu bwd: 2 × forward FLOPs and bytes (gate, up and dY read, both gradients written).
std::vector<OpSpec> make_training_ops(const ModelSpec& model);

// The memory-bound glue of FP8 training as DeepSeek's H800 trace runs it (training_glue.cpp), FLOPs 0,
// bytes = what the kernel reads and writes (T tokens, R expert rows, Rv received tokens, fp8(n) = n +
// ceil(n/128)·4 B, a FP8 row with its 1×128 scales):
//   per quantised GEMM x (rows r through all its instances, in/out its features):
//     x_weight_transpose      WeightTranspose  2·in·out per local expert / instance (FP8 weights for dgrad)
//     x_dgrad_input_cast      Cast       r·(2·out + fp8(out))   dY per token to FP8
//     x_dgrad_input_transpose Transpose  r·ceil(out/128)·8      its scales
//     x_wgrad_input_cast      Cast       r·(2·in or fp8(in)) + r·in + ceil(r/128)·in·4   X per channel,
//                                        transposed (FP8 input for the routed experts' dispatched tokens)
//     x_wgrad_grad_cast       Cast       the same for dY, width out (FP8 for the routed experts' dY)
//     x_output_cache, x_output_cast_back (x a gate_up): r·(2·out + fp8(out)), the FP8 activation cache
//   q_b/kv_b input cast and transpose, ffn_input_cast: x_recompute (the recomputed GEMMs' inputs);
//   ffn_input_cast_back, kv_a_input_cast (T·(2h + fp8(h))), kv_a_input_transpose (T·ceil(h/128)·8);
//   attn_rotary_recompute, attn_rotary_bwd: attn_rotary's bytes;
//   mla_k_assembly (+ _recompute, _bwd): T·(H·nope·2 + rope·2 + H·(nope + rope)·2);
//   attn_output_cache, attn_output_cast_back: T·(2·H·v + fp8(H·v));
//   ffn_norm_grad_sum, attn_norm_grad_sum (Elementwise): 3·T·h·2;
//   kv_a_output_split (+ _recompute): 2·T·(lora + rope)·2; attn_output_scale (+ _bwd): 2·T·h·2;
//   moe_gate_topk (Routing): 64·T·experts; moe_permute_index (PermuteIndex): 2·local experts·Rv·top_k·8;
//   moe_reduce_bwd (Permute): (Rv + R)·dispatch row; moe_permute_bwd (Reduce): (R + Rv)·h·2.
// Pass: Forward for what the training forward adds (caches, the router, the permutation index, kv_a's cast,
// the K assembly), Recompute, InputGrad or WeightGrad for the backward.
std::vector<OpSpec> make_training_glue_ops(const ModelSpec& model);

// Rows through all instances of a forward GEMM at `s` (attention TP 1): flops / (2·in·out).
double gemm_input_rows(const OpSpec& fwd, OpShape s);

// "q_a_proj_dgrad" -> "q_a_proj", "expert_down_wgrad_grad_cast" -> "expert_down" (the forward op a training
// op derives from); the name itself otherwise.
std::string_view forward_op_of(std::string_view training_op);

} // namespace moetwin
