// SPDX-License-Identifier: Apache-2.0
// GEMM as a Linear layer, D[m, n] = X[m, k] · W[n, k]ᵀ (row-major), in BF16 or FP8 e4m3 through cuBLASLt:
// the MLA projections (q_a, q_b, kv_a, kv_b, o), the gate scores, the shared expert and the dense FFN.
// FP8 uses the scaling cuBLASLt supports on sm_90: DeepSeek's 128×128 weight blocks with 1×128 activation
// tiles (BLK128x128 × VEC128, cuBLASLt ≥ 12.9), or one fp32 scale per tensor. A strided batch covers the
// per-head absorbed kv_b products of MLA decode (BF16; W given as [k, n] there).
#pragma once

#include "engine/kernels/dtype.hpp"
#include "engine/kernels/kernel_params.hpp"

#include <iosfwd>

namespace moetwin::kernels {

enum class GemmDtype { Bf16, Fp8E4m3 }; // X and W element type
enum class GemmOut { Bf16, F32 };       // D element type (F32 for the router logits)
enum class WeightLayout { NK, KN };     // W row-major [n, k] (Linear weight) or [k, n]
enum class Fp8Scaling { Block, Tensor };

struct GemmParams {
    int64_t m = 0, n = 0, k = 0; // m = tokens (may be 0: nothing to do)
    int64_t batch   = 1;         // strided batch (BF16 only)
    GemmDtype dtype = GemmDtype::Bf16;

    const void* x          = nullptr; // [batch][m, ldx] bf16_t or fp8_e4m3_t
    int64_t ldx            = 0;       // 0 means k
    int64_t batch_stride_x = 0;       // elements between batches

    const void* w          = nullptr;          // [batch][n, ldw] (NK) or [batch][k, ldw] (KN)
    WeightLayout w_layout  = WeightLayout::NK; // FP8 needs NK (cuBLASLt FP8 is TN only)
    int64_t ldw            = 0;                // 0 means k (NK) or n (KN)
    int64_t batch_stride_w = 0;

    void* d                = nullptr; // [batch][m, ldd] bf16_t or float
    GemmOut d_dtype        = GemmOut::Bf16;
    int64_t ldd            = 0; // 0 means n
    int64_t batch_stride_d = 0;

    // FP8 only. Block: w_scales [weight_scale_count(n, k)] (kernel_params.hpp), x_scales [k/128, m]
    // tile-major (one segment; needs k % 128 == 0). Tensor: one fp32 each.
    Fp8Scaling scaling    = Fp8Scaling::Block;
    const float* w_scales = nullptr;
    const float* x_scales = nullptr;

    // Resolved leading dimensions.
    int64_t lda_x() const { return ldx ? ldx : k; }
    int64_t lda_w() const { return ldw ? ldw : (w_layout == WeightLayout::NK ? k : n); }
    int64_t lda_d() const { return ldd ? ldd : n; }
};

void validate(const GemmParams& p);
// fp64 accumulation of the dequantised operands; D rounded to BF16 (or stored as float).
void gemm_ref(const GemmParams& p);
std::ostream& operator<<(std::ostream& out, const GemmParams& p);
double gemm_flops(const GemmParams& p); // 2·batch·m·n·k

} // namespace moetwin::kernels
