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
    Bf16,    // 2 B per element, no scales
    Fp8E4m3, // 1 B per element + one fp32 scale per 128×128 weight block (DeepSeek-V3 FP8 checkpoint,
             // reference §1.3) = 4 B per 16384 weights; activations use 1×128 tiles (4 B per 128 values)
    Int4,    // 0.5 B per element + one BF16 scale per group of 32 weights along the input dimension
             // (compressed-tensors "pack-quantized", group_size 32, symmetric: Kimi-K2-Thinking's QAT format)
    Nvfp4,   // 0.5 B per element (e2m1) + one FP8 e4m3 scale per 16 weights (NVIDIA NVFP4, Blackwell);
             // the extra fp32 per-tensor scale is counted per matrix
};

inline constexpr int kFp8BlockSize   = 128; // weight scale block edge (128×128) and activation tile width (1×128)
inline constexpr int kInt4GroupSize  = 32;  // weights per BF16 scale
inline constexpr int kNvfp4BlockSize = 16;  // weights per FP8 scale

// Bytes of one element without scales: 2, 1, 0.5, 0.5.
double element_bytes(Precision p);

// Asymptotic bytes per weight of a matrix whose dimensions are multiples of the block/group size:
// Bf16 2, Fp8E4m3 1 + 4/16384 = 1.000244140625, Int4 0.5 + 2/32 = 0.5625, Nvfp4 0.5 + 1/16 = 0.5625.
double bytes_per_param(Precision p);

// Exact bytes of one weight matrix [out_features, in_features] in `p`, partial blocks rounded up:
//   Fp8E4m3: in·out + ceil(in/128)·ceil(out/128)·4        Int4:  ceil(in·out/2) + ceil(in/32)·out·2
//   Nvfp4:   ceil(in·out/2) + ceil(in/16)·out + 4          Bf16:  in·out·2
int64_t matrix_bytes(int64_t in_features, int64_t out_features, Precision p);

// Bytes of a row of `n` activations in `p` when quantised per 1×128 tile (FP8: n + ceil(n/128)·4).
// Int4/Nvfp4 activations are not modelled: weight-only formats keep BF16 activations (2 B).
double activation_row_bytes(int64_t n, Precision p);

inline constexpr std::array<NameEntry<Precision>, 4> kPrecisions = {{
    {Precision::Bf16, "bf16", "bfloat16, 2 B per element"},
    {Precision::Fp8E4m3, "fp8_e4m3", "FP8 e4m3 with 128x128 weight blocks / 1x128 activation tiles of fp32 scales"},
    {Precision::Int4, "int4", "4-bit integers with one BF16 scale per 32 weights (weights only)"},
    {Precision::Nvfp4, "nvfp4", "NVIDIA NVFP4: e2m1 with one FP8 scale per 16 weights (weights only)"},
}};

// "bf16", "fp8_e4m3", "int4", "nvfp4".
std::string_view to_string(Precision p);
// Inverse of to_string; throws ConfigError (unknown_name_message) for an unknown name.
Precision parse_precision(std::string_view name);

} // namespace moetwin
