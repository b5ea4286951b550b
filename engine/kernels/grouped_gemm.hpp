// SPDX-License-Identifier: Apache-2.0
// Grouped expert GEMM over a GPU's local experts (expert_gate_up, expert_down), in DeepGEMM's two layouts:
// contiguous (prefill: the rows of expert g are [offsets[g], offsets[g+1]) of one matrix) and masked
// (decode, DeepEP low-latency output: expert g owns max_m rows at g·max_m, of which counts[g] are real).
// One cuBLASLt GEMM per non-empty group; FP8 activation scales are tile-major per group (kernel_params.hpp).
#pragma once

#include "engine/kernels/gemm.hpp"

#include <iosfwd>

namespace moetwin::kernels {

enum class ExpertLayout { Contiguous, Masked };

struct GroupedGemmParams {
    ExpertLayout layout = ExpertLayout::Contiguous;
    int64_t num_groups  = 0; // local experts
    int64_t n = 0, k = 0;
    GemmDtype dtype = GemmDtype::Fp8E4m3;

    const int64_t* group_offsets = nullptr; // contiguous: [num_groups + 1] row offsets, HOST memory
    int64_t max_m                = 0;       // masked: rows per group (the GEMM runs all of them, see NOTES)

    const void* x         = nullptr; // [total_rows, k]; total_rows = offsets[G] or G·max_m
    const float* x_scales = nullptr; // FP8: tile-major per group segment
    const void* w         = nullptr; // [num_groups, n, k]
    const float* w_scales = nullptr; // FP8: [num_groups, weight_scale_count(n, k)]
    bf16_t* d             = nullptr; // [total_rows, n]

    int64_t total_rows() const;
    int64_t group_rows(int64_t g) const;
    int64_t group_begin(int64_t g) const;
};
// NOTES: DeepGEMM's masked kernel reads the per-expert counts on the device and skips empty tiles; the
// cuBLASLt version computes all max_m rows of every group, so size max_m to the expected load when timing.

void validate(const GroupedGemmParams& p);
void grouped_gemm_ref(const GroupedGemmParams& p);
std::ostream& operator<<(std::ostream& out, const GroupedGemmParams& p);
// The dense GEMM the grouped one runs for group g (pointers offset; m = 0 for an empty group).
GemmParams group_gemm(const GroupedGemmParams& p, int64_t g);

} // namespace moetwin::kernels
