// SPDX-License-Identifier: Apache-2.0
// Token permutation kernels. Entries are (token, k) pairs in row-major order; entry i of chunk c is
// c·1024 + i. The row of an entry inside its expert is its rank among the expert's entries in entry
// order, so the result is deterministic and equal to moe_permute_ref.
#include "engine/kernels/cuda_check.hpp"
#include "engine/kernels/device_math.cuh"
#include "engine/kernels/moe_permute.cuh"

#include <algorithm>

namespace moetwin::kernels {
namespace {

constexpr int kThreads  = 256;
constexpr int kRounds   = kPermuteChunk / kThreads; // entries per thread per chunk
constexpr int kWarps    = kThreads / 32;
constexpr int kMaxLocal = 1024;

__device__ __forceinline__ int local_expert(const MoePermuteParams& p, int64_t entry) {
    if (entry >= p.num_entries()) return -1;
    const int e = p.topk_ids[entry];
    if (e < 0 || e >= p.num_experts) return -1;
    const int l = p.expert_map[e];
    return (l >= 0 && l < p.num_local_experts) ? l : -1;
}

// chunk_counts[c][l] = entries of chunk c routed to local expert l.
__global__ void __launch_bounds__(kThreads) count_kernel(MoePermuteParams p, int32_t* chunk_counts) {
    extern __shared__ int32_t hist[];
    const int L = int(p.num_local_experts);
    for (int l = threadIdx.x; l < L; l += kThreads)
        hist[l] = 0;
    __syncthreads();
    for (int r = 0; r < kRounds; ++r) {
        const int l = local_expert(p, int64_t(blockIdx.x) * kPermuteChunk + r * kThreads + threadIdx.x);
        if (l >= 0) atomicAdd(&hist[l], 1);
    }
    __syncthreads();
    for (int l = threadIdx.x; l < L; l += kThreads)
        chunk_counts[int64_t(blockIdx.x) * L + l] = hist[l];
}

// chunk_base[c][l] = entries of expert l in chunks before c; expert totals and offsets.
__global__ void __launch_bounds__(kMaxLocal)
    scan_kernel(MoePermuteParams p, const int32_t* chunk_counts, int32_t* chunk_base, int num_chunks) {
    const int L = int(p.num_local_experts);
    for (int l = threadIdx.x; l < L; l += blockDim.x) {
        int32_t running = 0;
        for (int c = 0; c < num_chunks; ++c) {
            chunk_base[int64_t(c) * L + l] = running;
            running += chunk_counts[int64_t(c) * L + l];
        }
        p.expert_counts[l] = running;
    }
    __syncthreads();
    if (threadIdx.x == 0 && p.expert_offsets) {
        int32_t acc = 0;
        for (int l = 0; l < L; ++l) {
            p.expert_offsets[l] = acc;
            acc += p.expert_counts[l];
        }
        p.expert_offsets[L] = acc;
    }
}

// slot_rows of every entry of one chunk, in 4 rounds of 256 entries (entry order).
__global__ void __launch_bounds__(kThreads) rank_kernel(MoePermuteParams p, const int32_t* chunk_base) {
    extern __shared__ int32_t smem[];
    const int L          = int(p.num_local_experts);
    int32_t* running     = smem;     // [L] entries of each expert placed before this round
    int32_t* warp_counts = smem + L; // [kWarps][L]
    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    for (int l = threadIdx.x; l < L; l += kThreads) {
        running[l] = chunk_base[int64_t(blockIdx.x) * L + l];
        for (int w = 0; w < kWarps; ++w)
            warp_counts[w * L + l] = 0;
    }
    __syncthreads();
    for (int r = 0; r < kRounds; ++r) {
        const int64_t entry = int64_t(blockIdx.x) * kPermuteChunk + r * kThreads + threadIdx.x;
        const int l         = local_expert(p, entry);
        const unsigned same = __match_any_sync(device::kFullMask, l);
        const int leader    = __ffs(same) - 1;
        const int warp_rank = __popc(same & ((1u << lane) - 1u));
        if (l >= 0 && lane == leader) warp_counts[warp * L + l] = __popc(same);
        __syncthreads();
        int32_t row = -1;
        if (l >= 0) {
            int32_t rank = running[l] + warp_rank;
            for (int w = 0; w < warp; ++w)
                rank += warp_counts[w * L + l];
            if (p.layout == ExpertLayout::Contiguous)
                row = p.expert_offsets[l] + rank;
            else if (rank < p.max_tokens_per_expert)
                row = int32_t(l * p.max_tokens_per_expert + rank);
        }
        if (entry < p.num_entries()) p.slot_rows[entry] = row;
        __syncthreads(); // every thread has read running and warp_counts
        if (l >= 0 && lane == leader) {
            atomicAdd(&running[l], __popc(same));
            warp_counts[warp * L + l] = 0;
        }
        __syncthreads();
    }
}

// One block per entry: copies token row -> x_perm row (16-byte vectors).
__global__ void copy_rows_kernel(MoePermuteParams p) {
    const int64_t entry = blockIdx.x;
    const int32_t row   = p.slot_rows[entry];
    if (row < 0) return;
    const uint4* src = reinterpret_cast<const uint4*>(p.x + (entry / p.top_k) * p.hidden);
    uint4* dst       = reinterpret_cast<uint4*>(p.x_perm + int64_t(row) * p.hidden);
    for (int64_t v = threadIdx.x; v < p.hidden / 8; v += blockDim.x)
        dst[v] = src[v];
}

// One block per token: out = residual + Σ_k w_k · y_perm[slot_k], fp32 accumulation in k order.
__global__ void unpermute_kernel(MoeUnpermuteParams p) {
    using namespace device;
    const int64_t t = blockIdx.x;
    for (int64_t v = threadIdx.x; v < p.hidden / 8; v += blockDim.x) {
        float acc[8] = {};
        if (p.residual) load_bf16x8(p.residual + t * p.hidden + 8 * v, acc);
        for (int64_t k = 0; k < p.top_k; ++k) {
            const int32_t row = p.slot_rows[t * p.top_k + k];
            if (row < 0) continue;
            const float w = p.topk_weights[t * p.top_k + k];
            float y[8];
            load_bf16x8(p.y_perm + int64_t(row) * p.hidden + 8 * v, y);
#pragma unroll
            for (int i = 0; i < 8; ++i)
                acc[i] += w * y[i];
        }
        store_bf16x8(p.out + t * p.hidden + 8 * v, acc);
    }
}

bool aligned16(const void* ptr) {
    return reinterpret_cast<uintptr_t>(ptr) % 16 == 0;
}

} // namespace

void run_moe_permute(const MoePermuteParams& p, cudaStream_t stream) {
    validate(p);
    require(p.workspace != nullptr, "moe_permute", "workspace is required on the device");
    require(aligned16(p.x) && aligned16(p.x_perm), "moe_permute", "x and x_perm must be 16-byte aligned");
    const int L           = int(p.num_local_experts);
    const int num_chunks  = int(std::max<int64_t>(ceil_div(p.num_entries(), kPermuteChunk), 1));
    int32_t* chunk_counts = p.workspace;
    int32_t* chunk_base   = p.workspace + int64_t(num_chunks) * L;
    count_kernel<<<num_chunks, kThreads, L * sizeof(int32_t), stream>>>(p, chunk_counts);
    CUDA_CHECK_LAUNCH();
    scan_kernel<<<1, std::min(L, kMaxLocal), 0, stream>>>(p, chunk_counts, chunk_base, num_chunks);
    CUDA_CHECK_LAUNCH();
    rank_kernel<<<num_chunks, kThreads, (1 + kWarps) * L * sizeof(int32_t), stream>>>(p, chunk_base);
    CUDA_CHECK_LAUNCH();
    if (p.num_entries() > 0) {
        copy_rows_kernel<<<unsigned(p.num_entries()), 128, 0, stream>>>(p);
        CUDA_CHECK_LAUNCH();
    }
}

void run_moe_unpermute(const MoeUnpermuteParams& p, cudaStream_t stream) {
    validate(p);
    require(aligned16(p.y_perm) && aligned16(p.out) && (!p.residual || aligned16(p.residual)), "moe_unpermute",
            "y_perm, out and residual must be 16-byte aligned");
    if (p.num_tokens == 0) return;
    unpermute_kernel<<<unsigned(p.num_tokens), 128, 0, stream>>>(p);
    CUDA_CHECK_LAUNCH();
}

} // namespace moetwin::kernels
