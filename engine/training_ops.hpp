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

// Training ops of the model's MoE and dense layers, in forward-op order, each name once.
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

// "q_a_proj_dgrad" -> "q_a_proj" (the forward op a training op derives from); the name itself otherwise.
std::string_view forward_op_of(std::string_view training_op);

} // namespace moetwin
