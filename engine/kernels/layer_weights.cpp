// SPDX-License-Identifier: Apache-2.0
// Layer dimensions from the model catalogue and random device weights.
#include "engine/kernels/layer_weights.hpp"

#include "common/errors.hpp"
#include "engine/kernels/fill.cuh"
#include "engine/kernels/mla_decode.hpp"
#include "engine/kernels/mla_prefill.hpp"

#include <cmath>
#include <ostream>

namespace moetwin::kernels {

LayerDims LayerDims::from(const ModelSpec& m, int attn_tp_size) {
    const auto fail = [&](const std::string& what) {
        throw ConfigError("layer runner: model " + m.name + ": " + what);
    };
    if (m.attention != AttentionKind::Mla) fail("only MLA attention is implemented");
    if (m.qk_nope_head_dim != MlaPrefillParams::kNope || m.qk_rope_head_dim != MlaPrefillParams::kRope ||
        m.v_head_dim != MlaPrefillParams::kHeadDimV ||
        m.kv_lora_rank + m.qk_rope_head_dim != MlaDecodeParams::kHeadDimQk)
        fail("the kernels need nope 128, rope 64, v 128 and kv_lora 512 (DeepSeek-V2/V3 MLA)");
    if (m.q_lora_rank <= 0) fail("the runner needs q_lora_rank > 0 (q_a_proj / q_b_proj)");
    if (attn_tp_size < 1 || m.num_heads % attn_tp_size != 0)
        fail("attn_tp_size " + std::to_string(attn_tp_size) + " must divide " + std::to_string(m.num_heads) + " heads");
    LayerDims d;
    d.hidden       = m.hidden_size;
    d.q_lora       = m.q_lora_rank;
    d.kv_lora      = m.kv_lora_rank;
    d.rope         = m.qk_rope_head_dim;
    d.nope         = m.qk_nope_head_dim;
    d.v_head       = m.v_head_dim;
    d.heads        = m.num_heads / attn_tp_size;
    d.moe_inter    = m.moe_inter_size;
    d.shared_inter = m.moe_inter_size * m.num_shared_experts;
    d.dense_inter  = m.dense_inter_size;
    d.num_experts  = m.num_routed_experts;
    d.top_k        = m.top_k;
    d.num_groups   = m.num_expert_groups;
    d.topk_groups  = m.topk_groups;
    d.route_scale  = float(m.route_scale);
    d.gate_bias    = m.gate_has_bias;
    return d;
}

std::ostream& operator<<(std::ostream& out, const LayerDims& d) {
    return out << "LayerDims{hidden=" << d.hidden << " q_lora=" << d.q_lora << " kv_lora=" << d.kv_lora
               << " rope=" << d.rope << " heads=" << d.heads << " moe_inter=" << d.moe_inter
               << " shared_inter=" << d.shared_inter << " dense_inter=" << d.dense_inter << " experts=" << d.num_experts
               << " top_k=" << d.top_k << " groups=" << d.num_groups << "/" << d.topk_groups << "}";
}

const void* GemmWeight::matrix(int64_t i) const {
    return data.get() + i * n * k * (dtype == GemmDtype::Fp8E4m3 ? 1 : 2);
}
const float* GemmWeight::scale(int64_t i) const {
    return dtype == GemmDtype::Fp8E4m3 ? scales.get() + i * weight_scale_count(n, k) : nullptr;
}

namespace {

GemmWeight make_weight(int64_t n, int64_t k, int64_t count, GemmDtype dtype, uint64_t seed, cudaStream_t s) {
    GemmWeight w;
    w.n = n, w.k = k, w.count = count, w.dtype = dtype;
    if (count == 0) return w;
    const int64_t elems = count * n * k;
    if (dtype == GemmDtype::Fp8E4m3) {
        w.data   = DeviceBuffer<uint8_t>(size_t(elems));
        w.scales = DeviceBuffer<float>(size_t(count * weight_scale_count(n, k)));
        fill_uniform(reinterpret_cast<fp8_e4m3_t*>(w.data.get()), elems, seed, -448.0f, 448.0f, s);
        const float sc = 1.0f / (448.0f * std::sqrt(float(k)));
        fill_uniform(w.scales.get(), int64_t(w.scales.size()), seed + 1, 0.5f * sc, 1.5f * sc, s);
    } else {
        w.data        = DeviceBuffer<uint8_t>(size_t(elems) * 2);
        const float a = 1.0f / std::sqrt(float(k));
        fill_uniform(reinterpret_cast<bf16_t*>(w.data.get()), elems, seed, -a, a, s);
    }
    return w;
}

DeviceBuffer<bf16_t> make_bf16(int64_t count, uint64_t seed, float lo, float hi, cudaStream_t s) {
    DeviceBuffer<bf16_t> b(static_cast<size_t>(count));
    fill_uniform(b.get(), count, seed, lo, hi, s);
    return b;
}

} // namespace

LayerWeights::LayerWeights(const LayerDims& d, GemmDtype dtype, int64_t max_local_experts, bool with_dense_ffn,
                           uint64_t seed, cudaStream_t s)
    : dims_(d), dtype_(dtype), max_local_experts_(max_local_experts) {
    uint64_t k    = seed * 1000;
    q_a           = make_weight(d.q_lora, d.hidden, 1, dtype, ++k, s);
    q_b           = make_weight(d.heads * (d.nope + d.rope), d.q_lora, 1, dtype, ++k, s);
    kv_a          = make_weight(d.kv_lora + d.rope, d.hidden, 1, dtype, ++k, s);
    kv_b          = make_weight(d.heads * (d.nope + d.v_head), d.kv_lora, 1, dtype, ++k, s);
    o             = make_weight(d.hidden, d.heads * d.v_head, 1, dtype, ++k, s);
    const float a = 1.0f / std::sqrt(float(d.kv_lora));
    kv_b_bf16     = make_bf16(d.heads * (d.nope + d.v_head) * d.kv_lora, ++k, -a, a, s);
    attn_norm     = make_bf16(d.hidden, ++k, 0.5f, 1.5f, s);
    q_a_norm      = make_bf16(d.q_lora, ++k, 0.5f, 1.5f, s);
    kv_a_norm     = make_bf16(d.kv_lora, ++k, 0.5f, 1.5f, s);
    ffn_norm      = make_bf16(d.hidden, ++k, 0.5f, 1.5f, s);
    const float g = 1.0f / std::sqrt(float(d.hidden));
    gate          = make_bf16(d.num_experts * d.hidden, ++k, -g, g, s);
    gate_bias     = DeviceBuffer<float>(size_t(d.num_experts));
    fill_uniform(gate_bias.get(), d.num_experts, ++k, -0.01f, 0.01f, s);
    experts_gate_up = make_weight(2 * d.moe_inter, d.hidden, max_local_experts, dtype, ++k, s);
    experts_down    = make_weight(d.hidden, d.moe_inter, max_local_experts, dtype, ++k, s);
    shared_gate_up  = make_weight(2 * d.shared_inter, d.hidden, d.shared_inter > 0 ? 1 : 0, dtype, ++k, s);
    shared_down     = make_weight(d.hidden, d.shared_inter, d.shared_inter > 0 ? 1 : 0, dtype, ++k, s);
    dense_gate_up   = make_weight(2 * d.dense_inter, d.hidden, with_dense_ffn ? 1 : 0, dtype, ++k, s);
    dense_down      = make_weight(d.hidden, d.dense_inter, with_dense_ffn ? 1 : 0, dtype, ++k, s);
    CUDA_CHECK(cudaStreamSynchronize(s));
}

size_t LayerWeights::bytes() const {
    size_t b = q_a.bytes() + q_b.bytes() + kv_a.bytes() + kv_b.bytes() + o.bytes() + kv_b_bf16.bytes();
    b += attn_norm.bytes() + q_a_norm.bytes() + kv_a_norm.bytes() + ffn_norm.bytes() + gate.bytes() + gate_bias.bytes();
    b += experts_gate_up.bytes() + experts_down.bytes() + shared_gate_up.bytes() + shared_down.bytes();
    return b + dense_gate_up.bytes() + dense_down.bytes();
}

} // namespace moetwin::kernels
