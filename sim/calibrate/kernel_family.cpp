// SPDX-License-Identifier: Apache-2.0
// Kernel-name rules, first match wins (more specific names before the substrings they contain). The names
// are those of DeepSeek's H800 training trace (../shared/data/profile_traces, README there) and of stock
// PyTorch; a kernel no rule matches is reported, never dropped.
#include "sim/calibrate/kernel_family.hpp"

#include <array>
#include <utility>

namespace moetwin::calib {
namespace {

constexpr std::array<std::string_view, kNumKernelFamilies> kNames = {"gemm_fp8",
                                                                     "grouped_gemm_fp8",
                                                                     "wgrad_gemm_fp8",
                                                                     "gemm_bf16",
                                                                     "attention_fwd",
                                                                     "attention_bwd",
                                                                     "attention_bwd_aux",
                                                                     "deepep_layout",
                                                                     "deepep_notify",
                                                                     "deepep_dispatch",
                                                                     "deepep_combine",
                                                                     "norm_fwd",
                                                                     "norm_bwd",
                                                                     "norm_bwd_finalize",
                                                                     "rotary",
                                                                     "swiglu",
                                                                     "cast",
                                                                     "transpose",
                                                                     "permute",
                                                                     "reduce",
                                                                     "routing",
                                                                     "elementwise"};

using F = KernelFamily;
// {substring, family}: first match wins.
constexpr std::pair<std::string_view, KernelFamily> kRules[] = {
    {"get_dispatch_layout", F::DeepEpLayout},
    {"notify_dispatch", F::DeepEpNotify},
    {"cached_notify", F::DeepEpNotify},
    {"ep::internode::dispatch", F::DeepEpDispatch},
    {"ep::intranode::dispatch", F::DeepEpDispatch},
    {"ep::internode::combine", F::DeepEpCombine},
    {"ep::intranode::combine", F::DeepEpCombine},
    {"m_grouped_fp8", F::GroupedGemmFp8},
    {"fp8_dptp128c_acc", F::WgradGemmFp8},
    {"fp8_ptp128c", F::GemmFp8},
    {"gemm_bf16", F::GemmBf16},
    {"FlashAttnBwdPreprocess", F::AttentionBwdAux},
    {"FlashAttnBwdPostprocess", F::AttentionBwdAux},
    {"FlashAttnBwd", F::AttentionBwd},
    {"flash::compute_attn", F::AttentionFwd},
    {"FlashAttnFwd", F::AttentionFwd},
    {"ln_bwd_finalize", F::NormBwdFinalize},
    {"ln_bwd_kernel", F::NormBwd},
    {"ln_fwd_kernel", F::NormFwd},
    {"rms_norm", F::NormFwd},
    {"rotary", F::Rotary},
    {"swiglu", F::Swiglu},
    {"expand_to_fused", F::Permute},
    {"get_fused_mapping", F::Permute},
    {"clean_and_count_expert", F::Permute},
    {"reduce_fused", F::Reduce},
    {"cast", F::Cast},
    {"transpose", F::Transpose},
    {"topk", F::Routing},
    {"gatherTopK", F::Routing},
    {"unique_group_indices", F::Routing},
    {"aux_fi", F::Routing},
    {"at::native::", F::Elementwise},
    {"_copy_tensor_kernel", F::Elementwise},
    {"distribution_elementwise", F::Elementwise}, // mangled PyTorch random-number kernel
};

} // namespace

std::string_view to_string(KernelFamily family) {
    return kNames[std::size_t(family)];
}

std::optional<KernelFamily> classify_kernel(std::string_view name) {
    for (const auto& [needle, family] : kRules)
        if (name.find(needle) != std::string_view::npos) return family;
    return std::nullopt;
}

bool is_deepep(KernelFamily f) {
    return f == F::DeepEpLayout || f == F::DeepEpNotify || f == F::DeepEpDispatch || f == F::DeepEpCombine;
}

} // namespace moetwin::calib
