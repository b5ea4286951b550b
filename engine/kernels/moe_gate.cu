// SPDX-License-Identifier: Apache-2.0
// DeepSeek-V3 gate kernel: one warp per token. Lane l holds experts l, l+32, ...; group scores and the
// group ranking go through shared memory; the top-k is k rounds of a warp arg-max (ties to the lower
// index, matching moe_gate_ref).
#include "engine/kernels/cuda_check.hpp"
#include "engine/kernels/device_math.cuh"
#include "engine/kernels/moe_gate.cuh"

#include <cfloat>
#include <climits>

namespace moetwin::kernels {
namespace {

constexpr int kWarps   = 4;
constexpr int kPerLane = kGateMaxExperts / 32;

// (value, index) arg-max: larger value wins, equal values go to the lower index.
__device__ __forceinline__ bool better(float v1, int i1, float v2, int i2) {
    return v1 > v2 || (v1 == v2 && i1 < i2);
}

__global__ void __launch_bounds__(kWarps * 32) moe_gate_kernel(MoeGateParams p) {
    using namespace device;
    __shared__ float sel_s[kWarps][kGateMaxExperts];
    __shared__ float group_s[kWarps][32];
    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    const int64_t token = int64_t(blockIdx.x) * kWarps + warp;
    if (token >= p.num_tokens) return; // whole warp leaves together
    const int E = int(p.num_experts), G = int(p.num_groups), per_group = E / G;

    float s[kPerLane], sel[kPerLane];
#pragma unroll
    for (int i = 0; i < kPerLane; ++i) {
        const int e = lane + 32 * i;
        s[i] = sel[i] = -FLT_MAX;
        if (e < E) {
            s[i]           = 1.0f / (1.0f + expf(-p.logits[token * E + e]));
            sel[i]         = p.bias ? s[i] + p.bias[e] : s[i];
            sel_s[warp][e] = sel[i];
        }
    }
    if (G > 1) {
        __syncwarp();
        if (lane < G) { // group score: top-2 sum with a bias, max without
            float a = -INFINITY, b = -INFINITY;
            for (int j = 0; j < per_group; ++j) {
                const float v = sel_s[warp][lane * per_group + j];
                if (v > a)
                    b = a, a = v;
                else if (v > b)
                    b = v;
            }
            group_s[warp][lane] = p.bias ? a + b : a;
        }
        __syncwarp();
        bool keep = false;
        if (lane < G) {
            int rank = 0;
            for (int g = 0; g < G; ++g)
                rank += better(group_s[warp][g], g, group_s[warp][lane], lane) ? 1 : 0;
            keep = rank < p.topk_groups;
        }
        const unsigned kept = __ballot_sync(kFullMask, keep);
#pragma unroll
        for (int i = 0; i < kPerLane; ++i) {
            const int e = lane + 32 * i;
            if (e < E && !((kept >> (e / per_group)) & 1u)) sel[i] = -INFINITY;
        }
    }

    int my_id  = -1;
    float my_w = 0, sum = 0;
    for (int it = 0; it < p.top_k; ++it) {
        float best_v = -INFINITY, best_s = 0;
        int best_e = INT_MAX;
#pragma unroll
        for (int i = 0; i < kPerLane; ++i) {
            const int e = lane + 32 * i;
            if (e < E && better(sel[i], e, best_v, best_e)) best_v = sel[i], best_e = e, best_s = s[i];
        }
#pragma unroll
        for (int o = 16; o > 0; o >>= 1) {
            const float ov = __shfl_xor_sync(kFullMask, best_v, o);
            const int oe   = __shfl_xor_sync(kFullMask, best_e, o);
            const float os = __shfl_xor_sync(kFullMask, best_s, o);
            if (better(ov, oe, best_v, best_e)) best_v = ov, best_e = oe, best_s = os;
        }
        // The owner lane removes the winner from its candidates.
#pragma unroll
        for (int i = 0; i < kPerLane; ++i)
            if (lane + 32 * i == best_e) sel[i] = -INFINITY, s[i] = -FLT_MAX;
        sum += best_s;
        if (lane == it) my_id = best_e, my_w = best_s;
    }
    if (lane < p.top_k) {
        p.topk_ids[token * p.top_k + lane]     = my_id;
        p.topk_weights[token * p.top_k + lane] = my_w / sum * p.route_scale;
    }
}

} // namespace

void run_moe_gate(const MoeGateParams& p, cudaStream_t stream) {
    validate(p);
    if (p.num_tokens == 0) return;
    const unsigned blocks = unsigned((p.num_tokens + kWarps - 1) / kWarps);
    moe_gate_kernel<<<blocks, kWarps * 32, 0, stream>>>(p);
    CUDA_CHECK_LAUNCH();
}

} // namespace moetwin::kernels
