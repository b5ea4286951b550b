// SPDX-License-Identifier: Apache-2.0
// Number formats of weights, KV cache and all-to-all payloads, with their exact storage cost
// (block/group scales included). Every byte count in moetwin that depends on a format comes from here.
#pragma once

#include "common/name_table.hpp"

#include <array>
#include <cstdint>
#include <string_view>

namespace moetwin {

enum class Precision {
    Bf16,     // 2 B per element, no scales
    Fp8E4m3,  // 1 B per element + one fp32 scale per 128×128 weight block (DeepSeek-V3 FP8 checkpoint,
              // reference §1.3) = 4 B per 16384 weights; activations use 1×128 tiles (4 B per 128 values)
    Int4,     // 0.5 B per element + one BF16 scale per group of 32 weights along the input dimension
              // (compressed-tensors "pack-quantized", group_size 32, symmetric: Kimi-K2-Thinking's QAT format)
    Nvfp4,    // 0.5 B per element (e2m1) + one FP8 e4m3 scale per 16 weights (NVIDIA NVFP4, Blackwell);
              // the extra fp32 per-tensor scale is counted per matrix
    Fp16,     // 2 B per element, no scales; computed at the BF16 tensor rate (FP32 accumulation: the same
              // rate on every GPU in the table)
    Int8,     // W8A8: 1 B per element + one fp32 scale per output channel (per-channel symmetric weights,
              // per-token dynamic activation scales: vLLM compressed-tensors "W8A8-INT8" channel strategy,
              // weight_scale [out, 1] float32); GEMMs at the GPU's INT8 tensor rate
    Int4G128, // W4A16: 0.5 B per element + one FP16 scale and one 4-bit zero point per 128 weights along the
              // input dimension (AWQ/GPTQ checkpoint layout: scales [in/128, out] fp16, qzeros [in/128,
              // out/8] int32): 2.5 B per group. Weight-only: activations stay 16-bit
};

inline constexpr int kFp8BlockSize      = 128; // weight scale block edge (128×128) and activation tile width (1×128)
inline constexpr int kInt4GroupSize     = 32;  // weights per BF16 scale
inline constexpr int kNvfp4BlockSize    = 16;  // weights per FP8 scale
inline constexpr int kInt4G128GroupSize = 128; // weights per FP16 scale + 4-bit zero (AWQ/GPTQ group_size 128)

// Bytes of one element without scales: 2, 1, 0.5, 0.5, 2, 1, 0.5.
double element_bytes(Precision p);

// Asymptotic bytes per weight of a matrix whose dimensions are multiples of the block/group size:
// Bf16 2, Fp8E4m3 1 + 4/16384 = 1.000244140625, Int4 0.5 + 2/32 = 0.5625, Nvfp4 0.5 + 1/16 = 0.5625,
// Fp16 2, Int8 1 (+ 4 B per output channel, not per weight: 1 asymptotically), Int4G128 0.5 + 2.5/128 = 0.51953125.
double bytes_per_param(Precision p);

// Exact bytes of one weight matrix [out_features, in_features] in `p`, partial blocks rounded up:
//   Fp8E4m3: in·out + ceil(in/128)·ceil(out/128)·4        Int4:  ceil(in·out/2) + ceil(in/32)·out·2
//   Nvfp4:   ceil(in·out/2) + ceil(in/16)·out + 4          Bf16, Fp16: in·out·2
//   Int8:    in·out + out·4                                 Int4G128: ceil(in·out/2) + ceil(in/128)·(out·2 +
//   ceil(out/8)·4)
int64_t matrix_bytes(int64_t in_features, int64_t out_features, Precision p);

// Bytes of a row of `n` activations in `p` when quantised per 1×128 tile (FP8: n + ceil(n/128)·4).
// Int4/Nvfp4/Int4G128 activations are not modelled: weight-only formats keep BF16 activations (2 B).
// Int8 (W8A8): 1 B per value + one fp32 per-token scale per row.
double activation_row_bytes(int64_t n, Precision p);

inline constexpr std::array<NameEntry<Precision>, 7> kPrecisions = {{
    {Precision::Bf16, "bf16", "bfloat16, 2 B per element"},
    {Precision::Fp8E4m3, "fp8_e4m3", "FP8 e4m3 with 128x128 weight blocks / 1x128 activation tiles of fp32 scales"},
    {Precision::Int4, "int4", "4-bit integers with one BF16 scale per 32 weights (weights only)"},
    {Precision::Nvfp4, "nvfp4", "NVIDIA NVFP4: e2m1 with one FP8 scale per 16 weights (weights only)"},
    {Precision::Fp16, "fp16", "float16, 2 B per element (computed at the BF16 tensor rate)"},
    {Precision::Int8, "int8", "W8A8 INT8: one fp32 scale per output channel, INT8 tensor cores"},
    {Precision::Int4G128, "int4_g128",
     "AWQ/GPTQ 4-bit weights: FP16 scale + 4-bit zero per 128 weights, dequantised to FP16 (weights only)"},
}};

// Whether a GEMM in weight format `p` runs its tensor-core math in that format (Fp8E4m3: FP8 rate;
// Int8: INT8 rate) rather than on 16-bit operands. Weight-only formats (Int4, Int4G128, Nvfp4 as
// modelled) dequantise to BF16/FP16 in the kernel's prologue and run at the 16-bit rate: Marlin
// (arXiv 2408.11743), AWQ's and vLLM's W4A16 kernels, which is what every GPU in the table runs for
// 4-bit weights with 16-bit activations (INT4 tensor cores need INT4 activations too).
bool computes_in_weight_format(Precision p);

// "bf16", "fp8_e4m3", "int4", "nvfp4", "fp16", "int8", "int4_g128".
std::string_view to_string(Precision p);
// Inverse of to_string; throws ConfigError (unknown_name_message) for an unknown name.
Precision parse_precision(std::string_view name);

} // namespace moetwin
