// SPDX-License-Identifier: Apache-2.0
// Kernel families: what kind of work a GPU kernel does, read from its name (profiler traces name the
// kernel template, not the op or the shape). The recipe (training_recipe.hpp) maps families and their
// order inside a stage to the model's ops.
#pragma once

#include <optional>
#include <string_view>

namespace moetwin::calib {

enum class KernelFamily {
    GemmFp8,         // DeepSeek fp8_ptp128c (dense FP8 GEMM, forward and input gradient)
    GroupedGemmFp8,  // m_grouped_fp8_ptp128c (grouped over the local experts)
    WgradGemmFp8,    // fp8_dptp128c_acc (FP8 weight gradient, accumulated into fp32)
    GemmBf16,        // cuBLAS sm90_xmma BF16 GEMMs (router gate and its gradients)
    AttentionFwd,    // flash::compute_attn / FlashAttnFwd
    AttentionBwd,    // FlashAttnBwd main loop
    AttentionBwdAux, // FlashAttnBwdPreprocess / PostprocessConvertdQ
    DeepEpLayout,    // dpsk::ep get_dispatch_layout
    DeepEpNotify,    // notify_dispatch, cached_notify
    DeepEpDispatch,  // internode / intranode dispatch
    DeepEpCombine,   // internode / intranode combine
    NormFwd,         // layer_norm / rms_norm forward
    NormBwd,         // layer_norm backward (ln_bwd_kernel)
    NormBwdFinalize, // ln_bwd_finalize (weight-gradient reduction of the norm)
    Rotary,          // rotary_kernel (RoPE), forward and backward
    Swiglu,          // swiglu forward / backward, fused or not with casts
    Cast,            // FP8 casts (per-token, per-channel, cast back), cast + transpose
    Transpose,       // batched / FP8 transposes
    Permute,         // expert-order permutation: clean_and_count_expert, get_fused_mapping, expand_to_fused
    Reduce,          // weighted reduce of the expert outputs (reduce_fused)
    Routing,         // top-k and group selection of the router
    Elementwise,     // PyTorch elementwise, reductions, copies, fills and random numbers
};
inline constexpr int kNumKernelFamilies = 22;

std::string_view to_string(KernelFamily family);
// The family of a kernel name; nullopt when no rule matches (the kernel is listed as unclassified).
std::optional<KernelFamily> classify_kernel(std::string_view name);
bool is_deepep(KernelFamily family);

} // namespace moetwin::calib
