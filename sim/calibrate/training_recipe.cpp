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
// Glue (engine/training_ops.hpp has the ops and their bytes; positions count per family in a stage):
//  attn(F): casts 1-4, 6, 7 and their scale transposes 1-5 feed q_a, kv_a (cast a second time), q_b, kv_b,
//           o_proj and the dispatch; cast 5 (per_token_cast_to_fp8_with_fp8_special_fmt) caches the attention
//           output in FP8; rotary 1-2 (k_pe, q_pe); elementwise 5-6 assemble FlashAttention's K; elementwise
//           8-35 and routing 1-5 are the router after the gate GEMM; elementwise 3-4 split kv_a's output, 7
//           scales o_proj's output.
//  mlp(F):  permute 1-2 build the expert-order index, 3 permutes; transposes 2-3 (batched_transpose) turn the
//           experts' FP8 weights for their input gradients; casts 1-2 cache the gate/up outputs in FP8.
//  mlp(B):  the cached gate/up outputs cast back (casts 1, 3), weight transposes (transposes 1, 3), dY casts
//           and their scale transposes (transposes 2, 4; shared_down's dY cast runs in combine(B), beside the
//           dispatch of gradients it feeds), the per-channel casts of the weight gradients, ffn_norm's input
//           cast recomputed and cast back (casts 5, 8), the gradient expanded into expert rows (permute 1) and
//           the expert rows' input gradients reduced per token (reduce 1).
//  mlp(W):  the routed experts' per-channel casts of the dispatched dY and tokens (both FP8 in).
//  attn(B): as mlp(B) for o_proj, q_b, kv_b, kv_a, q_a, plus the cached attention output cast back, the
//           up-projections' input casts, RoPE and K assembly recomputed (rotary 1-2, elementwise 30-31), RoPE
//           backward (rotary 3-4), dK split and dk_pe summed over heads (elementwise 32-34), and the sums of
//           the norms' output gradients (elementwise 26, 42).
// Kept at the family level, per occurrence (the test pins their count):
//  attn(F) elementwise 1-2 (two 1-µs aranges: positions or sequence offsets);
//  mlp(F), mlp(B) elementwise 1-3 (copies of scales and a scale, ~25 µs);
//  attn(B) elementwise 1-25: autograd of the router (~25 PyTorch kernels, ~80 µs): latency-bound like the
//          forward router but at another bytes-to-time ratio (0.3 against 0.12), so it would skew the routing
//          factor fitted from moe_gate_topk; elementwise 27, 35-41, 43 (small fp32 adds of the norms' weight
//          gradients, fills and copies assembling kv_a's output gradient, ~40 µs).
#include "sim/calibrate/training_recipe.hpp"

#include <algorithm>

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
    {"attn(F)", F::Cast, 1, "attn_input_cast"},
    {"attn(F)", F::Transpose, 1, "attn_input_transpose"},
    {"attn(F)", F::Cast, 2, "kv_a_input_cast"},
    {"attn(F)", F::Transpose, 2, "kv_a_input_transpose"},
    {"attn(F)", F::Cast, 3, "q_b_input_cast"},
    {"attn(F)", F::Transpose, 3, "q_b_input_transpose"},
    {"attn(F)", F::Cast, 4, "kv_b_input_cast"},
    {"attn(F)", F::Transpose, 4, "kv_b_input_transpose"},
    {"attn(F)", F::Rotary, 1, "attn_rotary", 2},
    {"attn(F)", F::Elementwise, 3, "kv_a_output_split", 4},
    {"attn(F)", F::Elementwise, 5, "mla_k_assembly", 6},
    {"attn(F)", F::Elementwise, 7, "attn_output_scale"},
    {"attn(F)", F::Cast, 5, "attn_output_cache"},
    {"attn(F)", F::Cast, 6, "o_proj_input_cast"},
    {"attn(F)", F::Transpose, 5, "o_proj_input_transpose"},
    {"attn(F)", F::Elementwise, 8, "moe_gate_topk", 35},
    {"attn(F)", F::Routing, 1, "moe_gate_topk", 5},
    {"attn(F)", F::Cast, 7, "ffn_input_cast"},

    {"mlp(F)", F::GemmFp8, 1, "shared_gate_up"},
    {"mlp(F)", F::GemmFp8, 2, "shared_down"},
    {"mlp(F)", F::GroupedGemmFp8, 1, "expert_gate_up"},
    {"mlp(F)", F::GroupedGemmFp8, 2, "expert_down"},
    {"mlp(F)", F::Swiglu, 1, "expert_swiglu"},
    {"mlp(F)", F::Swiglu, 2, "shared_swiglu"},
    {"mlp(F)", F::Transpose, 1, "ffn_input_transpose"},
    {"mlp(F)", F::Permute, 1, "moe_permute_index", 2},
    {"mlp(F)", F::Permute, 3, "moe_permute"},
    {"mlp(F)", F::Transpose, 2, "expert_gate_up_weight_transpose"},
    {"mlp(F)", F::Transpose, 3, "expert_down_weight_transpose"},
    {"mlp(F)", F::Reduce, 1, "moe_reduce"},
    {"mlp(F)", F::Transpose, 4, "shared_down_input_transpose"},
    {"mlp(F)", F::Cast, 1, "expert_gate_up_output_cache"},
    {"mlp(F)", F::Cast, 2, "shared_gate_up_output_cache"},

    {"mlp(B)", F::GemmFp8, 1, "shared_down_dgrad"},
    {"mlp(B)", F::GemmFp8, 2, "shared_gate_up_dgrad"},
    {"mlp(B)", F::GroupedGemmFp8, 1, "expert_down_dgrad"},
    {"mlp(B)", F::GroupedGemmFp8, 2, "expert_gate_up_dgrad"},
    {"mlp(B)", F::Swiglu, 1, "shared_swiglu_bwd"},
    {"mlp(B)", F::Swiglu, 2, "shared_swiglu_bwd"},
    {"mlp(B)", F::Swiglu, 3, "expert_swiglu_bwd"},
    {"mlp(B)", F::Swiglu, 4, "expert_swiglu_bwd"},
    {"mlp(B)", F::NormFwd, 1, "ffn_norm_recompute"},
    {"mlp(B)", F::Cast, 1, "shared_gate_up_output_cast_back"},
    {"mlp(B)", F::Transpose, 1, "shared_down_weight_transpose"},
    {"mlp(B)", F::Transpose, 2, "shared_down_dgrad_input_transpose"},
    {"mlp(B)", F::Cast, 2, "shared_down_wgrad_grad_cast"},
    {"mlp(B)", F::Cast, 3, "expert_gate_up_output_cast_back"},
    {"mlp(B)", F::Permute, 1, "moe_reduce_bwd"},
    {"mlp(B)", F::Cast, 4, "expert_down_wgrad_input_cast"},
    {"mlp(B)", F::Cast, 5, "ffn_input_cast_recompute"},
    {"mlp(B)", F::Cast, 6, "expert_gate_up_dgrad_input_cast"},
    {"mlp(B)", F::Reduce, 1, "moe_permute_bwd"},
    {"mlp(B)", F::Cast, 7, "expert_gate_up_wgrad_grad_cast"},
    {"mlp(B)", F::Cast, 8, "ffn_input_cast_back"},
    {"mlp(B)", F::Transpose, 3, "shared_gate_up_weight_transpose"},
    {"mlp(B)", F::Cast, 9, "shared_gate_up_dgrad_input_cast"},
    {"mlp(B)", F::Transpose, 4, "shared_gate_up_dgrad_input_transpose"},
    {"mlp(B)", F::Cast, 10, "shared_gate_up_wgrad_grad_cast"},
    {"mlp(B)", F::Cast, 11, "shared_gate_up_wgrad_input_cast"},

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
    {"mlp(W)", F::Cast, 1, "expert_down_wgrad_grad_cast"},
    {"mlp(W)", F::Cast, 2, "expert_gate_up_wgrad_input_cast"},

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
    {"attn(B)", F::Elementwise, 26, "ffn_norm_grad_sum"},
    {"attn(B)", F::Elementwise, 28, "attn_output_scale_bwd"},
    {"attn(B)", F::Elementwise, 29, "kv_a_output_split_recompute"},
    {"attn(B)", F::Cast, 1, "attn_output_cast_back"},
    {"attn(B)", F::Cast, 2, "o_proj_dgrad_input_cast"},
    {"attn(B)", F::Transpose, 1, "o_proj_weight_transpose"},
    {"attn(B)", F::Transpose, 2, "o_proj_dgrad_input_transpose"},
    {"attn(B)", F::Cast, 3, "o_proj_wgrad_input_cast"},
    {"attn(B)", F::Cast, 4, "o_proj_wgrad_grad_cast"},
    {"attn(B)", F::Cast, 5, "q_b_input_cast_recompute"},
    {"attn(B)", F::Transpose, 3, "q_b_input_transpose_recompute"},
    {"attn(B)", F::Cast, 6, "kv_b_input_cast_recompute"},
    {"attn(B)", F::Transpose, 4, "kv_b_input_transpose_recompute"},
    {"attn(B)", F::Rotary, 1, "attn_rotary_recompute", 2},
    {"attn(B)", F::Elementwise, 30, "mla_k_assembly_recompute", 31},
    {"attn(B)", F::Rotary, 3, "attn_rotary_bwd", 4},
    {"attn(B)", F::Transpose, 5, "q_b_proj_weight_transpose"},
    {"attn(B)", F::Cast, 7, "q_b_proj_dgrad_input_cast"},
    {"attn(B)", F::Transpose, 6, "q_b_proj_dgrad_input_transpose"},
    {"attn(B)", F::Elementwise, 32, "mla_k_assembly_bwd", 34},
    {"attn(B)", F::Transpose, 7, "kv_b_proj_weight_transpose"},
    {"attn(B)", F::Cast, 8, "kv_b_proj_dgrad_input_cast"},
    {"attn(B)", F::Transpose, 8, "kv_b_proj_dgrad_input_transpose"},
    {"attn(B)", F::Cast, 9, "kv_b_proj_wgrad_grad_cast"},
    {"attn(B)", F::Cast, 10, "kv_b_proj_wgrad_input_cast"},
    {"attn(B)", F::Cast, 11, "q_b_proj_wgrad_grad_cast"},
    {"attn(B)", F::Cast, 12, "q_b_proj_wgrad_input_cast"},
    {"attn(B)", F::Cast, 13, "kv_a_proj_dgrad_input_cast"},
    {"attn(B)", F::Transpose, 9, "kv_a_proj_weight_transpose"},
    {"attn(B)", F::Transpose, 10, "kv_a_proj_dgrad_input_transpose"},
    {"attn(B)", F::Cast, 14, "kv_a_proj_wgrad_input_cast"},
    {"attn(B)", F::Cast, 15, "kv_a_proj_wgrad_grad_cast"},
    {"attn(B)", F::Cast, 16, "q_a_proj_dgrad_input_cast"},
    {"attn(B)", F::Transpose, 11, "q_a_proj_weight_transpose"},
    {"attn(B)", F::Transpose, 12, "q_a_proj_dgrad_input_transpose"},
    {"attn(B)", F::Cast, 17, "q_a_proj_wgrad_input_cast"},
    {"attn(B)", F::Cast, 18, "q_a_proj_wgrad_grad_cast"},
    {"attn(B)", F::Elementwise, 42, "attn_norm_grad_sum"},

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
        if (e.stage == stage && e.family == family && ordinal >= e.ordinal && ordinal <= std::max(e.ordinal, e.last))
            return e.op;
    return {};
}

} // namespace moetwin::calib
