// SPDX-License-Identifier: Apache-2.0
// Which op of the model catalogue each kernel of a traced stage runs: by the kernel's family and its
// position among the stage's kernels of that family (the 1st fp8 GEMM of attn(F) is q_a_proj, ...).
// Positions count within one stage occurrence, so a missing small kernel of another family (a 1 µs TMA
// descriptor fill) does not shift the mapping. An entry may span positions [ordinal, last] (the router's
// PyTorch kernels). Kernels with no entry stay at the family level and are reported per stage and family
// (training_recipe.cpp says which and why).
#pragma once

#include "sim/calibrate/kernel_family.hpp"

#include <span>
#include <string_view>

namespace moetwin::calib {

struct RecipeEntry {
    std::string_view stage; // the user_annotation: "attn(F)"
    KernelFamily family;
    int ordinal;         // 1-based position among the stage's kernels of `family`
    std::string_view op; // a forward op (engine/attention_ops.cpp, ffn_ops.cpp) or a training op (training_ops.hpp)
    int last = 0;        // last position it covers (0: `ordinal` only)
};

// DeepSeek-V3 pre-training as DeepSeek traced it (DualPipe, one forward and one backward chunk of MoE
// layers; ../shared/data/profile_traces/deepseek_v3_train_ep64.json.gz). Derivation in the .cpp.
std::span<const RecipeEntry> deepseek_v3_training_recipe();

// The op of (stage, family, ordinal); "" when the recipe keeps it at the family level.
std::string_view recipe_op(std::span<const RecipeEntry> recipe, std::string_view stage, KernelFamily family,
                           int ordinal);

} // namespace moetwin::calib
