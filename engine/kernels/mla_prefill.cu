// SPDX-License-Identifier: Apache-2.0
// MLA prefill attention, a straightforward SIMT flash-attention: a block owns 64 queries of one head
// of one request (8 warps × 8 query rows) and streams the keys in tiles of 32 through shared memory,
// with an online softmax per row. Lane j scores key j of the tile; lane l accumulates output dims
// 4l..4l+3. Correctness first: no tensor cores (see engine/PERF.md).
#include "engine/kernels/cuda_check.hpp"
#include "engine/kernels/device_math.cuh"
#include "engine/kernels/mla_prefill.cuh"

namespace moetwin::kernels {
namespace {

constexpr int kBlockQ = 64, kRowsPerWarp = 8, kWarps = 8, kTile = 32;
constexpr int kQk = MlaPrefillParams::kHeadDimQk, kNope = MlaPrefillParams::kNope, kV = MlaPrefillParams::kHeadDimV;
constexpr int kKStride = kQk + 2; // 97 words per K row: lanes reading the same column hit 32 different banks

__global__ void __launch_bounds__(kWarps * 32) mla_prefill_kernel(MlaPrefillParams p, float scale_log2) {
    using namespace device;
    __shared__ __align__(16) uint16_t sQ[kBlockQ][kQk];
    __shared__ __align__(16) uint16_t sK[kTile][kKStride];
    __shared__ __align__(16) uint16_t sV[kTile][kV];

    const int b = blockIdx.z, h = blockIdx.y;
    const int q0 = p.cu_seqlens_q[b], q_len = p.cu_seqlens_q[b + 1] - q0;
    const int k0 = p.cu_seqlens_kv[b], kv_len = p.cu_seqlens_kv[b + 1] - k0;
    const int qs = blockIdx.x * kBlockQ;
    if (qs >= q_len) return; // uniform for the block
    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    const int offset = kv_len - q_len; // query i sits at position offset + i

    // Q rows of this block, as 32-bit words (strides are only guaranteed even).
    for (int idx = threadIdx.x; idx < kBlockQ * kQk / 2; idx += kWarps * 32) {
        const int r = idx / (kQk / 2), c = idx % (kQk / 2);
        uint32_t w = 0;
        if (qs + r < q_len)
            w = reinterpret_cast<const uint32_t*>(p.q + int64_t(q0 + qs + r) * p.q_stride_tok() +
                                                  int64_t(h) * p.q_stride_head)[c];
        reinterpret_cast<uint32_t*>(&sQ[r][0])[c] = w;
    }

    float m[kRowsPerWarp], l[kRowsPerWarp], acc[kRowsPerWarp][4];
#pragma unroll
    for (int r = 0; r < kRowsPerWarp; ++r) {
        m[r] = -INFINITY;
        l[r] = 0;
#pragma unroll
        for (int c = 0; c < 4; ++c)
            acc[r][c] = 0;
    }
    const int last_q  = min(qs + kBlockQ, q_len) - 1;
    const int key_end = p.causal ? offset + last_q + 1 : kv_len; // exclusive

    for (int kt = 0; kt < key_end; kt += kTile) {
        __syncthreads();
        for (int idx = threadIdx.x; idx < kTile * (kQk / 2); idx += kWarps * 32) { // K = [k_nope | k_rope]
            const int j = idx / (kQk / 2), c = idx % (kQk / 2);
            uint32_t w = 0;
            if (kt + j < kv_len) {
                const int64_t tok = k0 + kt + j;
                w                 = c < kNope / 2 ? reinterpret_cast<const uint32_t*>(p.kv + tok * p.kv_stride_tok() +
                                                                      int64_t(h) * p.kv_stride_head)[c]
                                                  : reinterpret_cast<const uint32_t*>(p.k_rope + tok * p.k_rope_stride)[c - kNope / 2];
            }
            reinterpret_cast<uint32_t*>(&sK[j][0])[c] = w;
        }
        for (int idx = threadIdx.x; idx < kTile * (kV / 2); idx += kWarps * 32) {
            const int j = idx / (kV / 2), c = idx % (kV / 2);
            uint32_t w = 0;
            if (kt + j < kv_len)
                w = reinterpret_cast<const uint32_t*>(p.kv + (k0 + kt + j) * p.kv_stride_tok() +
                                                      int64_t(h) * p.kv_stride_head + kNope)[c];
            reinterpret_cast<uint32_t*>(&sV[j][0])[c] = w;
        }
        __syncthreads();

#pragma unroll
        for (int r = 0; r < kRowsPerWarp; ++r) {
            const int row = warp * kRowsPerWarp + r, qi = qs + row;
            if (qi >= q_len) continue;
            const int limit = p.causal ? offset + qi : kv_len - 1; // last visible key
            if (kt > limit) continue;
            float dot          = 0;
            const uint32_t* qw = reinterpret_cast<const uint32_t*>(&sQ[row][0]);
            const uint32_t* kw = reinterpret_cast<const uint32_t*>(&sK[lane][0]);
#pragma unroll 8
            for (int c = 0; c < kQk / 2; ++c) {
                const float2 a = bf16x2_to_float2(qw[c]), k = bf16x2_to_float2(kw[c]);
                dot = fmaf(a.x, k.x, fmaf(a.y, k.y, dot));
            }
            const int j       = kt + lane;
            const float s     = (j <= limit && j < kv_len) ? dot * scale_log2 : -INFINITY;
            const float m_new = fmaxf(m[r], warp_max(s)); // finite: key kt is visible
            const float pr    = exp2f(s - m_new);
            const float corr  = exp2f(m[r] - m_new);
            l[r]              = l[r] * corr + warp_sum(pr);
            m[r]              = m_new;
#pragma unroll
            for (int c = 0; c < 4; ++c)
                acc[r][c] *= corr;
            for (int jj = 0; jj < kTile; ++jj) {
                const float pj   = __shfl_sync(kFullMask, pr, jj);
                const uint2 v    = *reinterpret_cast<const uint2*>(&sV[jj][4 * lane]);
                const float2 v01 = bf16x2_to_float2(v.x), v23 = bf16x2_to_float2(v.y);
                acc[r][0] = fmaf(pj, v01.x, acc[r][0]);
                acc[r][1] = fmaf(pj, v01.y, acc[r][1]);
                acc[r][2] = fmaf(pj, v23.x, acc[r][2]);
                acc[r][3] = fmaf(pj, v23.y, acc[r][3]);
            }
        }
    }

#pragma unroll
    for (int r = 0; r < kRowsPerWarp; ++r) {
        const int qi = qs + warp * kRowsPerWarp + r;
        if (qi >= q_len) continue;
        const float inv = l[r] > 0 ? 1.0f / l[r] : 0.0f;
        bf16_t* o       = p.out + int64_t(q0 + qi) * p.out_stride_tok() + int64_t(h) * p.out_stride_head + 4 * lane;
        const uint32_t w0 =
            uint32_t(float_to_bf16_bits(acc[r][0] * inv)) | (uint32_t(float_to_bf16_bits(acc[r][1] * inv)) << 16);
        const uint32_t w1 =
            uint32_t(float_to_bf16_bits(acc[r][2] * inv)) | (uint32_t(float_to_bf16_bits(acc[r][3] * inv)) << 16);
        reinterpret_cast<uint32_t*>(o)[0] = w0;
        reinterpret_cast<uint32_t*>(o)[1] = w1;
        if (p.lse && lane == 0)
            p.lse[int64_t(q0 + qi) * p.num_heads + h] = l[r] > 0 ? (m[r] + log2f(l[r])) * 0.69314718056f : -INFINITY;
    }
}

} // namespace

void run_mla_prefill(const MlaPrefillParams& p, cudaStream_t stream) {
    validate(p);
    if (p.total_q == 0 || p.max_seqlen_q == 0) return;
    require(p.num_heads <= 65535 && p.batch <= 65535, "mla_prefill", "num_heads and batch must be <= 65535");
    const dim3 grid(unsigned(ceil_div(p.max_seqlen_q, kBlockQ)), unsigned(p.num_heads), unsigned(p.batch));
    mla_prefill_kernel<<<grid, kWarps * 32, 0, stream>>>(p, p.softmax_scale * 1.4426950408889634f);
    CUDA_CHECK_LAUNCH();
}

} // namespace moetwin::kernels
