// SPDX-License-Identifier: Apache-2.0
// What every kernel's Params share: the boundary check helper (a bad Params throws
// std::invalid_argument naming the op and the field, before anything is launched) and the layouts of
// FP8 scales, which the CUDA kernels, cuBLASLt and the CPU references must agree on.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

#if defined(__CUDACC__)
#define MOETWIN_HD __host__ __device__ __forceinline__
#else
#define MOETWIN_HD inline
#endif

namespace moetwin::kernels {

// Throws std::invalid_argument("<op>: <what>") unless `ok`.
inline void require(bool ok, const char* op, const std::string& what) {
    if (!ok) throw std::invalid_argument(std::string(op) + ": " + what);
}
inline std::string field(const char* name, int64_t value) {
    return std::string(name) + " = " + std::to_string(value);
}

MOETWIN_HD int64_t ceil_div(int64_t a, int64_t b) {
    return (a + b - 1) / b;
}
MOETWIN_HD int64_t round_up(int64_t a, int64_t b) {
    return ceil_div(a, b) * b;
}

// ---- FP8 weights: one fp32 scale per 128×128 block of W [n, k] (DeepSeek-V3 checkpoint, reference §1.3).
// Stored [ceil(n/128)][round_up(ceil(k/128), 4)] row-major: the layout cuBLASLt's
// CUBLASLT_MATMUL_MATRIX_SCALE_BLK128x128_32F reads for a TN operand (k-blocks contiguous, padded to 4).
MOETWIN_HD int64_t weight_scale_ld(int64_t k) {
    return round_up(ceil_div(k, 128), 4);
}
MOETWIN_HD int64_t weight_scale_count(int64_t n, int64_t k) {
    return ceil_div(n, 128) * weight_scale_ld(k);
}
MOETWIN_HD int64_t weight_scale_index(int64_t k, int64_t row, int64_t col) {
    return (row / 128) * weight_scale_ld(k) + col / 128;
}

// ---- FP8 activations: one fp32 scale per 1×128 tile of X [rows, cols] (cols % 128 == 0).
// cuBLASLt's CUBLASLT_MATMUL_MATRIX_SCALE_VEC128_32F wants the scales of one GEMM operand with M rows
// tile-major: scale(r, t) at t·M + r. A grouped GEMM runs one cuBLASLt call per group, so the scales are
// tile-major within each row segment (one segment per expert):
//   segment [r0, r1) stores scale(r, t) at r0·T + t·(r1 - r0) + (r - r0),   T = cols / 128.
// Segments: `segment_offsets` [num_segments + 1] (contiguous layout, prefix sums of rows per expert), or
// uniform `segment_rows` (masked layout: max tokens per expert), or one segment (both unset).
struct Fp8ScaleLayout {
    int64_t rows                   = 0;
    int64_t num_tiles              = 0;       // cols / 128
    int64_t segment_rows           = 0;       // uniform segments; 0 = one segment of `rows`
    const int32_t* segment_offsets = nullptr; // [num_segments + 1], same memory space as the scales
    int64_t num_segments           = 0;
};

MOETWIN_HD int64_t scale_index(const Fp8ScaleLayout& l, int64_t row, int64_t tile) {
    int64_t r0 = 0, r1 = l.rows;
    if (l.segment_offsets != nullptr) {
        int64_t lo = 0, hi = l.num_segments; // last segment s with offsets[s] <= row
        while (hi - lo > 1) {
            const int64_t mid = (lo + hi) / 2;
            if (l.segment_offsets[mid] <= row)
                lo = mid;
            else
                hi = mid;
        }
        r0 = l.segment_offsets[lo];
        r1 = l.segment_offsets[lo + 1];
    } else if (l.segment_rows > 0) {
        r0 = row / l.segment_rows * l.segment_rows;
        r1 = r0 + l.segment_rows < l.rows ? r0 + l.segment_rows : l.rows;
    }
    return r0 * l.num_tiles + tile * (r1 - r0) + (row - r0);
}

} // namespace moetwin::kernels
