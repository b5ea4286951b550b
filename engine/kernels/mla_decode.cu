// SPDX-License-Identifier: Apache-2.0
// MLA decode attention on the paged latent cache, SIMT: one warp per (query token, head), a block per
// (head group, request, KV split). The block streams 32-token tiles of the cache through shared memory
// (shared by its warps: the cache is read once per head group, not per head); each lane holds 18 of the
// 576 query dims and 16 of the 512 output dims. Splits write partial (out, lse) merged by a second kernel.
#include "engine/kernels/cuda_check.hpp"
#include "engine/kernels/device_math.cuh"
#include "engine/kernels/mla_decode.cuh"

namespace moetwin::kernels {
namespace {

constexpr int kQk = MlaDecodeParams::kHeadDimQk, kV = MlaDecodeParams::kHeadDimV, kTile = MlaDecodeParams::kTileTokens;
constexpr int kQkWords  = kQk / 2 / 32; // 9 bf16 pairs of q per lane
constexpr int kVWords   = kV / 2 / 32;  // 8 bf16 pairs of output per lane
constexpr int kMaxWarps = 16;

__global__ void __launch_bounds__(kMaxWarps * 32)
    mla_decode_kernel(MlaDecodeParams p, int heads_per_block, int tiles_per_split, float scale_log2) {
    using namespace device;
    __shared__ __align__(16) uint32_t sKV[kTile][kQk / 2];

    const int b = blockIdx.y, split = blockIdx.z;
    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    const int qi = warp / heads_per_block, h = blockIdx.x * heads_per_block + warp % heads_per_block;
    const int seqlen  = p.cache_seqlens[b];
    const int limit   = p.causal ? seqlen - int(p.seqlen_q) + qi : seqlen - 1; // last visible key
    const int64_t row = (int64_t(b) * p.seqlen_q + qi) * p.num_heads + h;      // (b, qi, h)

    float2 q[kQkWords];
    const uint32_t* qw = reinterpret_cast<const uint32_t*>(p.q + row * kQk);
#pragma unroll
    for (int t = 0; t < kQkWords; ++t)
        q[t] = bf16x2_to_float2(qw[lane + 32 * t]);

    float m = -INFINITY, l = 0, acc[2 * kVWords] = {};
    const int begin = split * tiles_per_split * kTile;
    const int end   = min(seqlen, (split + 1) * tiles_per_split * kTile);
    for (int kt = begin; kt < end; kt += kTile) {
        __syncthreads();
        const int32_t page = p.block_table[int64_t(b) * p.max_blocks_per_seq + kt / p.page_size];
        const uint4* src =
            reinterpret_cast<const uint4*>(p.kv_cache + (int64_t(page) * p.page_size + kt % p.page_size) * kQk);
        uint4* dst = reinterpret_cast<uint4*>(&sKV[0][0]);
        for (int v = threadIdx.x; v < kTile * kQk / 8; v += blockDim.x)
            dst[v] = src[v]; // one page holds the tile
        __syncthreads();
        if (kt > limit) continue; // uniform for the warp

        float s = -INFINITY;
        for (int j = 0; j < kTile; ++j) {
            float part = 0;
#pragma unroll
            for (int t = 0; t < kQkWords; ++t) {
                const float2 k = bf16x2_to_float2(sKV[j][lane + 32 * t]);
                part           = fmaf(q[t].x, k.x, fmaf(q[t].y, k.y, part));
            }
            part = warp_sum(part);
            if (lane == j) s = part;
        }
        s                 = (kt + lane <= limit) ? s * scale_log2 : -INFINITY;
        const float m_new = fmaxf(m, warp_max(s)); // finite: key kt is visible
        const float pr    = exp2f(s - m_new);
        const float corr  = exp2f(m - m_new);
        l                 = l * corr + warp_sum(pr);
        m                 = m_new;
#pragma unroll
        for (int i = 0; i < 2 * kVWords; ++i)
            acc[i] *= corr;
        for (int j = 0; j < kTile; ++j) {
            const float pj = __shfl_sync(kFullMask, pr, j);
#pragma unroll
            for (int t = 0; t < kVWords; ++t) {
                const float2 v = bf16x2_to_float2(sKV[j][lane + 32 * t]); // value = latent dims 0..511
                acc[2 * t]     = fmaf(pj, v.x, acc[2 * t]);
                acc[2 * t + 1] = fmaf(pj, v.y, acc[2 * t + 1]);
            }
        }
    }

    const float inv = l > 0 ? 1.0f / l : 0.0f;
    const float lse = l > 0 ? (m + log2f(l)) * 0.69314718056f : -INFINITY; // natural log
    if (p.num_splits == 1) {
        uint32_t* o = reinterpret_cast<uint32_t*>(p.out + row * kV);
#pragma unroll
        for (int t = 0; t < kVWords; ++t)
            o[lane + 32 * t] = uint32_t(float_to_bf16_bits(acc[2 * t] * inv)) |
                               (uint32_t(float_to_bf16_bits(acc[2 * t + 1] * inv)) << 16);
        if (p.lse && lane == 0) p.lse[row] = lse;
    } else {
        float* ws_o   = static_cast<float*>(p.workspace) + (row * p.num_splits + split) * kV;
        float* ws_lse = static_cast<float*>(p.workspace) + p.batch * p.seqlen_q * p.num_heads * p.num_splits * kV;
#pragma unroll
        for (int t = 0; t < kVWords; ++t)
            reinterpret_cast<float2*>(ws_o)[lane + 32 * t] = make_float2(acc[2 * t] * inv, acc[2 * t + 1] * inv);
        if (lane == 0) ws_lse[row * p.num_splits + split] = lse;
    }
}

// One block of 128 threads per (b, qi, h): out = Σ_s e^{lse_s - lse} · out_s.
__global__ void __launch_bounds__(128) mla_decode_combine_kernel(MlaDecodeParams p) {
    using namespace device;
    const int64_t row = blockIdx.x;
    const int S       = int(p.num_splits);
    const float* ws_o = static_cast<const float*>(p.workspace) + row * S * kV;
    const float* ws_lse =
        static_cast<const float*>(p.workspace) + p.batch * p.seqlen_q * p.num_heads * S * kV + row * S;
    float mx = -INFINITY;
    for (int s = 0; s < S; ++s)
        mx = fmaxf(mx, ws_lse[s]);
    float total = 0, o[4] = {};
    for (int s = 0; s < S; ++s) {
        const float w = mx == -INFINITY ? 0.0f : expf(ws_lse[s] - mx);
        total += w;
        const float4 v = reinterpret_cast<const float4*>(ws_o + s * kV)[threadIdx.x];
        o[0] += w * v.x, o[1] += w * v.y, o[2] += w * v.z, o[3] += w * v.w;
    }
    const float inv = total > 0 ? 1.0f / total : 0.0f;
    uint32_t* out   = reinterpret_cast<uint32_t*>(p.out + row * kV) + 2 * threadIdx.x;
    out[0]          = uint32_t(float_to_bf16_bits(o[0] * inv)) | (uint32_t(float_to_bf16_bits(o[1] * inv)) << 16);
    out[1]          = uint32_t(float_to_bf16_bits(o[2] * inv)) | (uint32_t(float_to_bf16_bits(o[3] * inv)) << 16);
    if (p.lse && threadIdx.x == 0) p.lse[row] = total > 0 ? mx + logf(total) : -INFINITY;
}

} // namespace

void run_mla_decode(const MlaDecodeParams& p, cudaStream_t stream) {
    validate(p);
    require(reinterpret_cast<uintptr_t>(p.kv_cache) % 16 == 0 && reinterpret_cast<uintptr_t>(p.q) % 4 == 0,
            "mla_decode", "kv_cache must be 16-byte aligned and q 4-byte aligned");
    const int hpb             = int(mla_decode_heads_per_block(p));
    const int64_t tiles       = ceil_div(p.max_seqlen_kv, kTile);
    const int tiles_per_split = int(ceil_div(tiles, p.num_splits));
    require(p.batch <= 65535 && p.num_splits <= 65535, "mla_decode", "batch must be <= 65535");
    const dim3 grid(unsigned(p.num_heads / hpb), unsigned(p.batch), unsigned(p.num_splits));
    mla_decode_kernel<<<grid, unsigned(hpb * p.seqlen_q * 32), 0, stream>>>(p, hpb, tiles_per_split,
                                                                            p.softmax_scale * 1.4426950408889634f);
    CUDA_CHECK_LAUNCH();
    if (p.num_splits > 1) {
        mla_decode_combine_kernel<<<unsigned(p.batch * p.seqlen_q * p.num_heads), 128, 0, stream>>>(p);
        CUDA_CHECK_LAUNCH();
    }
}

} // namespace moetwin::kernels
