// SPDX-License-Identifier: Apache-2.0
// MLA core attention for decode with absorbed weights (FlashMLA's problem, reference §7): one latent KV
// head of 576 = 512 (kv_lora, also the value) + 64 (rope) per token in a paged BF16 cache; queries are
// already absorbed (q_nope·W_UK, 512) and concatenated with q_rope (64); output is the 512-wide latent
// per head (W_UV is applied afterwards). 1–2 query tokens per request (MTP): query i of s_q sees keys
// [0, seqlen - s_q + i] when causal. Long contexts split the KV range across blocks (split-KV) and
// merge the partial results in a second kernel, as FlashMLA does.
#pragma once

#include "engine/kernels/dtype.hpp"
#include "engine/kernels/kernel_params.hpp"

#include <cstddef>
#include <iosfwd>

namespace moetwin::kernels {

struct MlaDecodeParams {
    static constexpr int kHeadDimQk = 576, kHeadDimV = 512;
    static constexpr int kTileTokens = 32; // keys per shared-memory tile; divides the page size

    int64_t batch     = 0;
    int64_t seqlen_q  = 1; // 1, or 2 with one MTP draft token
    int64_t num_heads = 0; // local query heads (128 / attention TP)

    const bf16_t* q = nullptr; // [batch, seqlen_q, heads, 576]

    const bf16_t* kv_cache       = nullptr; // [num_blocks, page_size, 576]
    int64_t num_blocks           = 0;
    int64_t page_size            = 64;      // FlashMLA's block size
    const int32_t* block_table   = nullptr; // [batch, max_blocks_per_seq] page ids
    int64_t max_blocks_per_seq   = 0;
    const int32_t* cache_seqlens = nullptr; // [batch] tokens in the cache, the seqlen_q new ones included
    int64_t max_seqlen_kv        = 0;       // host upper bound of cache_seqlens (split planning)

    bf16_t* out = nullptr; // [batch, seqlen_q, heads, 512]
    float* lse  = nullptr; // [batch, seqlen_q, heads] or nullptr

    float softmax_scale = 0; // 1/sqrt(192)·mscale² in DeepSeek-V3 (the absorbed product keeps the scale)
    bool causal         = true;

    int64_t num_splits     = 1;       // KV splits per (request, head group); see mla_decode_plan_splits
    void* workspace        = nullptr; // mla_decode_workspace_bytes(*this) bytes (device), when num_splits > 1
    size_t workspace_bytes = 0;
};

// Heads handled by one thread block (one warp per (query token, head)).
int64_t mla_decode_heads_per_block(const MlaDecodeParams& p);
// Splits so that batch × head groups × splits fills ~2 waves of `num_sms`, each split at least 4 tiles.
int64_t mla_decode_plan_splits(const MlaDecodeParams& p, int num_sms);
size_t mla_decode_workspace_bytes(const MlaDecodeParams& p);

void validate(const MlaDecodeParams& p);
void mla_decode_ref(const MlaDecodeParams& p);
std::ostream& operator<<(std::ostream& out, const MlaDecodeParams& p);

} // namespace moetwin::kernels
