// SPDX-License-Identifier: Apache-2.0
// MLA core attention for prefill: multi-head attention on the expanded heads (DeepSeek-V3: q/k head dim
// 128 nope + 64 rope = 192, v head dim 128), causal, variable lengths (cu_seqlens as FlashAttention's
// varlen API). Request b has q_len new tokens at the END of its kv_len positions (chunked prefill:
// kv_len - q_len cached tokens before them); query i sees keys [0, kv_len - q_len + i].
// K is not materialised: k = [k_nope (kv_b_proj output) | k_rope (kv_a_proj output, shared by all heads)].
#pragma once

#include "engine/kernels/dtype.hpp"
#include "engine/kernels/kernel_params.hpp"

#include <iosfwd>

namespace moetwin::kernels {

struct MlaPrefillParams {
    static constexpr int kNope = 128, kRope = 64, kHeadDimQk = 192, kHeadDimV = 128;

    int64_t batch        = 0;
    int64_t num_heads    = 0; // local heads (128 / attention TP)
    int64_t total_q      = 0; // Σ q_len
    int64_t total_kv     = 0; // Σ kv_len
    int64_t max_seqlen_q = 0; // host copy of max q_len (grid size)

    const int32_t* cu_seqlens_q  = nullptr; // [batch + 1]
    const int32_t* cu_seqlens_kv = nullptr; // [batch + 1]; kv_len >= q_len for every request

    const bf16_t* q         = nullptr; // [total_q, heads, 192] = q_b_proj output (nope | rope per head)
    int64_t q_stride_token  = 0;       // elements; 0 means heads·192
    int64_t q_stride_head   = kHeadDimQk;
    const bf16_t* kv        = nullptr; // [total_kv, heads, 256] = kv_b_proj output (k_nope | v per head)
    int64_t kv_stride_token = 0;       // 0 means heads·256
    int64_t kv_stride_head  = kNope + kHeadDimV;
    const bf16_t* k_rope    = nullptr; // [total_kv, k_rope_stride] first 64 columns
    int64_t k_rope_stride   = kRope;

    bf16_t* out              = nullptr; // [total_q, heads, 128]
    int64_t out_stride_token = 0;       // 0 means heads·128
    int64_t out_stride_head  = kHeadDimV;
    float* lse               = nullptr; // [total_q, heads] natural-log sum of exp(scaled scores), or nullptr

    float softmax_scale = 0; // 1/sqrt(192) (times the YaRN mscale² in DeepSeek-V3)
    bool causal         = true;

    MOETWIN_HD int64_t q_stride_tok() const { return q_stride_token ? q_stride_token : num_heads * kHeadDimQk; }
    MOETWIN_HD int64_t kv_stride_tok() const {
        return kv_stride_token ? kv_stride_token : num_heads * (kNope + kHeadDimV);
    }
    MOETWIN_HD int64_t out_stride_tok() const { return out_stride_token ? out_stride_token : num_heads * kHeadDimV; }
};

// Host-side checks only (device arrays cannot be read here); the ref also checks the sequence lengths.
void validate(const MlaPrefillParams& p);
void mla_prefill_ref(const MlaPrefillParams& p);
std::ostream& operator<<(std::ostream& out, const MlaPrefillParams& p);

} // namespace moetwin::kernels
