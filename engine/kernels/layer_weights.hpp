// SPDX-License-Identifier: Apache-2.0
// Random weights of one DeepSeek-V3-style layer at the real dimensions, on the device (no checkpoint is
// read: timing does not depend on the values). LayerDims are the model's hyper-parameters as the
// kernels need them; LayerWeights holds every matrix the attention, the MoE block and (optionally) the
// dense FFN read, in BF16 or FP8 e4m3 with 128×128 block scales.
#pragma once

#include "engine/kernels/device_buffer.hpp"
#include "engine/kernels/gemm.hpp"
#include "engine/model_spec.hpp"

#include <cuda_runtime_api.h>

#include <cstdint>
#include <iosfwd>

namespace moetwin::kernels {

struct LayerDims {
    int64_t hidden = 0, q_lora = 0, kv_lora = 0, rope = 0, nope = 0, v_head = 0;
    int64_t heads        = 0; // local heads: num_heads / attention TP
    int64_t moe_inter    = 0; // one routed expert
    int64_t shared_inter = 0; // all shared experts fused (n_shared · moe_inter, as HF fuses them)
    int64_t dense_inter  = 0;
    int64_t num_experts = 0, top_k = 0, num_groups = 1, topk_groups = 1;
    float route_scale = 1.0f;
    bool gate_bias    = false;

    // Throws ConfigError when the model is not MLA with the kernels' head dims (nope 128, rope 64,
    // v 128, kv_lora 512) or attn_tp_size does not divide the heads.
    static LayerDims from(const ModelSpec& model, int attn_tp_size);
};
std::ostream& operator<<(std::ostream& out, const LayerDims& d);

// `count` matrices [n, k] (count = local experts for the grouped weights).
struct GemmWeight {
    int64_t n = 0, k = 0, count = 0;
    GemmDtype dtype = GemmDtype::Fp8E4m3;
    DeviceBuffer<uint8_t> data;
    DeviceBuffer<float> scales; // FP8: count × weight_scale_count(n, k)

    const void* matrix(int64_t i = 0) const;
    const float* scale(int64_t i = 0) const; // nullptr for BF16
    size_t bytes() const { return data.bytes() + scales.bytes(); }
};

class LayerWeights {
  public:
    // Allocates and fills everything on `stream` (synchronised before returning). The dense FFN is
    // allocated only when `with_dense_ffn` (396M parameters for DeepSeek-V3).
    LayerWeights(const LayerDims& dims, GemmDtype dtype, int64_t max_local_experts, bool with_dense_ffn, uint64_t seed,
                 cudaStream_t stream);

    const LayerDims& dims() const { return dims_; }
    GemmDtype dtype() const { return dtype_; }
    int64_t max_local_experts() const { return max_local_experts_; }
    bool has_dense_ffn() const { return dense_gate_up.count > 0; }
    size_t bytes() const;

    GemmWeight q_a, q_b, kv_a, kv_b, o; // MLA projections
    DeviceBuffer<bf16_t> kv_b_bf16;     // [heads·(nope+v), kv_lora] for the absorbed decode products
    DeviceBuffer<bf16_t> attn_norm, q_a_norm, kv_a_norm, ffn_norm;
    DeviceBuffer<bf16_t> gate;                // [num_experts, hidden] (BF16 in DeepSeek's checkpoint)
    DeviceBuffer<float> gate_bias;            // [num_experts]
    GemmWeight experts_gate_up, experts_down; // [L, 2·inter, hidden], [L, hidden, inter]
    GemmWeight shared_gate_up, shared_down;   // [2·shared_inter, hidden], [hidden, shared_inter]
    GemmWeight dense_gate_up, dense_down;     // [2·dense_inter, hidden], [hidden, dense_inter]

  private:
    LayerDims dims_;
    GemmDtype dtype_;
    int64_t max_local_experts_;
};

} // namespace moetwin::kernels
