// SPDX-License-Identifier: Apache-2.0
// Grouped GEMM: boundary checks, the per-group GEMM it runs, and the CPU reference.
#include "engine/kernels/grouped_gemm.hpp"

#include <ostream>

namespace moetwin::kernels {

int64_t GroupedGemmParams::total_rows() const {
    return layout == ExpertLayout::Masked ? num_groups * max_m : group_offsets[num_groups];
}
int64_t GroupedGemmParams::group_begin(int64_t g) const {
    return layout == ExpertLayout::Masked ? g * max_m : group_offsets[g];
}
int64_t GroupedGemmParams::group_rows(int64_t g) const {
    return layout == ExpertLayout::Masked ? max_m : group_offsets[g + 1] - group_offsets[g];
}

void validate(const GroupedGemmParams& p) {
    const char* op = "grouped_gemm";
    require(p.num_groups >= 1, op, field("num_groups", p.num_groups) + ": must be >= 1");
    require(p.n > 0 && p.k > 0, op, "n and k must be > 0");
    require(p.x && p.w && p.d, op, "x, w and d are required");
    if (p.layout == ExpertLayout::Contiguous) {
        require(p.group_offsets != nullptr, op, "contiguous layout needs group_offsets (host)");
        require(p.group_offsets[0] == 0, op, "group_offsets[0] must be 0");
        for (int64_t g = 0; g < p.num_groups; ++g)
            require(p.group_offsets[g + 1] >= p.group_offsets[g], op,
                    "group_offsets must be non-decreasing (group " + std::to_string(g) + ")");
    } else {
        require(p.max_m >= 1, op, field("max_m", p.max_m) + ": masked layout needs max_m >= 1");
    }
    if (p.dtype == GemmDtype::Fp8E4m3) require(p.x_scales && p.w_scales, op, "FP8 needs x_scales and w_scales");
}

GemmParams group_gemm(const GroupedGemmParams& p, int64_t g) {
    const bool fp8    = p.dtype == GemmDtype::Fp8E4m3;
    const int64_t esz = fp8 ? 1 : 2;
    const int64_t r0  = p.group_begin(g);
    GemmParams q;
    q.m     = p.group_rows(g);
    q.n     = p.n;
    q.k     = p.k;
    q.dtype = p.dtype;
    q.x     = static_cast<const char*>(p.x) + r0 * p.k * esz;
    q.w     = static_cast<const char*>(p.w) + g * p.n * p.k * esz;
    q.d     = p.d + r0 * p.n;
    if (fp8) {
        q.scaling  = Fp8Scaling::Block;
        q.x_scales = p.x_scales + r0 * (p.k / 128); // segment g starts at r0·T (kernel_params.hpp)
        q.w_scales = p.w_scales + g * weight_scale_count(p.n, p.k);
    }
    return q;
}

void grouped_gemm_ref(const GroupedGemmParams& p) {
    validate(p);
    for (int64_t g = 0; g < p.num_groups; ++g) {
        const GemmParams q = group_gemm(p, g);
        if (q.m > 0) gemm_ref(q);
    }
}

std::ostream& operator<<(std::ostream& out, const GroupedGemmParams& p) {
    out << "GroupedGemm{" << (p.layout == ExpertLayout::Masked ? "masked" : "contiguous") << " groups=" << p.num_groups
        << " n=" << p.n << " k=" << p.k << " dtype=" << (p.dtype == GemmDtype::Fp8E4m3 ? "fp8_e4m3" : "bf16");
    if (p.layout == ExpertLayout::Masked)
        out << " max_m=" << p.max_m;
    else if (p.group_offsets)
        out << " rows=" << p.group_offsets[p.num_groups];
    return out << "}";
}

} // namespace moetwin::kernels
