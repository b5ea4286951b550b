// SPDX-License-Identifier: Apache-2.0
// The DeepSeek-V3 training recipe. Read from the trace's kernel order and checked against the FLOPs each
// GEMM must do at 4096 tokens (the measured TFLOPS of every assignment lie between 430 and 1110):
//  attn(F): attn_norm, q_a_proj, kv_a_proj (grid 2×56), q_a_norm, kv_a_norm, q_b_proj, kv_b_proj, rotary,
//           flash forward, o_proj, ffn_norm, the BF16 router gate, top-k, and the FP8 cast of the dispatch
//           payload.
//  mlp(F):  shared_gate_up, permutation into expert order, expert_gate_up and expert_down (grouped),
//           expert SwiGLU (fused with the FP8 cast and the routing weight), reduce, shared SwiGLU,
//           shared_down.
//  mlp(B):  input gradients in reverse: shared_down, shared SwiGLU (recomputed output and backward),
//           expert_down (grouped), expert SwiGLU backward (two kernels: activations and routing weight),
//           the ffn_norm recomputed for the weight gradients, expert_gate_up, shared_gate_up.
//  mlp(W):  fp8_dptp128c_acc on streams 7 and 23: shared_down, the 4 experts' down, the 4 experts'
//           gate_up (a cast of the activations separates the groups), shared_gate_up.
//  attn(B): router-gate backward (PyTorch kernels, BF16 dgrad "nn", wgrad "nt"), ffn_norm backward,
//           o_proj dgrad, q_a_norm and kv_a_norm recomputed, q_b_proj and kv_b_proj recomputed (tech
//           report §3.3.3), flash backward (pre-, main and post-processing), then q_b_proj dgrad and, after
//           the RoPE-key gradient is summed over heads, kv_b_proj dgrad; kv_a_norm and q_a_norm backward,
//           attn_norm recomputed, kv_a_proj and q_a_proj dgrad, attn_norm backward.
//  attn(W): o_proj, kv_b_proj, q_b_proj, kv_a_proj, q_a_proj weight gradients. The kv_b/q_b order is the
//           one under which both run at the same rate (631 and 644 TFLOPS; the other order would give
//           q_b 1424 TFLOPS at 112 SMs, 85 % of the FP8 peak, against 650 for every other wgrad).
// DeepEP stages (dispatch(F), combine(F), combine(B) = dispatch of gradients, dispatch(B) = combine of
// gradients) are communication, recorded as in-situ figures, not ops.
#include "sim/calibrate/training_recipe.hpp"

namespace moetwin::calib {
namespace {

using F = KernelFamily;

constexpr RecipeEntry kDeepSeekV3Training[] = {
    {"attn(F)", F::NormFwd, 1, "attn_norm"},
    {"attn(F)", F::NormFwd, 2, "q_a_norm"},
    {"attn(F)", F::NormFwd, 3, "kv_a_norm"},
    {"attn(F)", F::NormFwd, 4, "ffn_norm"},
    {"attn(F)", F::GemmFp8, 1, "q_a_proj"},
    {"attn(F)", F::GemmFp8, 2, "kv_a_proj"},
    {"attn(F)", F::GemmFp8, 3, "q_b_proj"},
    {"attn(F)", F::GemmFp8, 4, "kv_b_proj"},
    {"attn(F)", F::GemmFp8, 5, "o_proj"},
    {"attn(F)", F::AttentionFwd, 1, "mla_prefill"},
    {"attn(F)", F::GemmBf16, 1, "moe_gate"},

    {"mlp(F)", F::GemmFp8, 1, "shared_gate_up"},
    {"mlp(F)", F::GemmFp8, 2, "shared_down"},
    {"mlp(F)", F::GroupedGemmFp8, 1, "expert_gate_up"},
    {"mlp(F)", F::GroupedGemmFp8, 2, "expert_down"},
    {"mlp(F)", F::Swiglu, 1, "expert_swiglu"},
    {"mlp(F)", F::Swiglu, 2, "shared_swiglu"},

    {"mlp(B)", F::GemmFp8, 1, "shared_down_dgrad"},
    {"mlp(B)", F::GemmFp8, 2, "shared_gate_up_dgrad"},
    {"mlp(B)", F::GroupedGemmFp8, 1, "expert_down_dgrad"},
    {"mlp(B)", F::GroupedGemmFp8, 2, "expert_gate_up_dgrad"},
    {"mlp(B)", F::Swiglu, 1, "shared_swiglu_bwd"},
    {"mlp(B)", F::Swiglu, 2, "shared_swiglu_bwd"},
    {"mlp(B)", F::Swiglu, 3, "expert_swiglu_bwd"},
    {"mlp(B)", F::Swiglu, 4, "expert_swiglu_bwd"},
    {"mlp(B)", F::NormFwd, 1, "ffn_norm_recompute"},

    {"mlp(W)", F::WgradGemmFp8, 1, "shared_down_wgrad"},
    {"mlp(W)", F::WgradGemmFp8, 2, "expert_down_wgrad"},
    {"mlp(W)", F::WgradGemmFp8, 3, "expert_down_wgrad"},
    {"mlp(W)", F::WgradGemmFp8, 4, "expert_down_wgrad"},
    {"mlp(W)", F::WgradGemmFp8, 5, "expert_down_wgrad"},
    {"mlp(W)", F::WgradGemmFp8, 6, "expert_gate_up_wgrad"},
    {"mlp(W)", F::WgradGemmFp8, 7, "expert_gate_up_wgrad"},
    {"mlp(W)", F::WgradGemmFp8, 8, "expert_gate_up_wgrad"},
    {"mlp(W)", F::WgradGemmFp8, 9, "expert_gate_up_wgrad"},
    {"mlp(W)", F::WgradGemmFp8, 10, "shared_gate_up_wgrad"},

    {"attn(B)", F::GemmBf16, 1, "moe_gate_dgrad"},
    {"attn(B)", F::GemmBf16, 2, "moe_gate_wgrad"},
    {"attn(B)", F::NormBwd, 1, "ffn_norm_bwd"},
    {"attn(B)", F::NormBwd, 2, "kv_a_norm_bwd"},
    {"attn(B)", F::NormBwd, 3, "q_a_norm_bwd"},
    {"attn(B)", F::NormBwd, 4, "attn_norm_bwd"},
    {"attn(B)", F::NormBwdFinalize, 1, "ffn_norm_bwd"},
    {"attn(B)", F::NormBwdFinalize, 2, "kv_a_norm_bwd"},
    {"attn(B)", F::NormBwdFinalize, 3, "q_a_norm_bwd"},
    {"attn(B)", F::NormBwdFinalize, 4, "attn_norm_bwd"},
    {"attn(B)", F::GemmFp8, 1, "o_proj_dgrad"},
    {"attn(B)", F::GemmFp8, 2, "q_b_proj_recompute"},
    {"attn(B)", F::GemmFp8, 3, "kv_b_proj_recompute"},
    {"attn(B)", F::GemmFp8, 4, "q_b_proj_dgrad"},
    {"attn(B)", F::GemmFp8, 5, "kv_b_proj_dgrad"},
    {"attn(B)", F::GemmFp8, 6, "kv_a_proj_dgrad"},
    {"attn(B)", F::GemmFp8, 7, "q_a_proj_dgrad"},
    {"attn(B)", F::NormFwd, 1, "q_a_norm_recompute"},
    {"attn(B)", F::NormFwd, 2, "kv_a_norm_recompute"},
    {"attn(B)", F::NormFwd, 3, "attn_norm_recompute"},
    {"attn(B)", F::AttentionBwdAux, 1, "mla_prefill_bwd"},
    {"attn(B)", F::AttentionBwd, 1, "mla_prefill_bwd"},
    {"attn(B)", F::AttentionBwdAux, 2, "mla_prefill_bwd"},

    {"attn(W)", F::WgradGemmFp8, 1, "o_proj_wgrad"},
    {"attn(W)", F::WgradGemmFp8, 2, "kv_b_proj_wgrad"},
    {"attn(W)", F::WgradGemmFp8, 3, "q_b_proj_wgrad"},
    {"attn(W)", F::WgradGemmFp8, 4, "kv_a_proj_wgrad"},
    {"attn(W)", F::WgradGemmFp8, 5, "q_a_proj_wgrad"},
};

} // namespace

std::span<const RecipeEntry> deepseek_v3_training_recipe() {
    return kDeepSeekV3Training;
}

std::string_view recipe_op(std::span<const RecipeEntry> recipe, std::string_view stage, KernelFamily family,
                           int ordinal) {
    for (const RecipeEntry& e : recipe)
        if (e.stage == stage && e.family == family && e.ordinal == ordinal) return e.op;
    return {};
}

} // namespace moetwin::calib
