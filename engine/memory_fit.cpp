// SPDX-License-Identifier: Apache-2.0
// The memory fit: weights by role, DeepEP buffers, activation working set, KV cache, and the
// largest batch that fits. Every category is an exact byte count on one GPU.
#include "engine/memory_fit.hpp"

#include "common/errors.hpp"
#include "engine/deepep_buffers.hpp"
#include "engine/layer_ops.hpp"
#include "engine/model_spec.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <string>

namespace moetwin {
namespace {

int64_t round_up(int64_t a, int64_t b) {
    return (a + b - 1) / b * b;
}
std::string gib(int64_t bytes) {
    return fmt::format("{:.2f} GiB", double(bytes) / double(kGiB));
}

// Weight bytes of one op on one GPU: routed experts by slot, shared experts by replica, the rest
// by instance with attention TP sharding.
int64_t op_weight_bytes(const OpSpec& op, const FitInput& in) {
    switch (op.role) {
    case WeightRole::RoutedExpert:
        return std::max(in.routed_experts_per_gpu, in.hosted_experts_per_gpu) *
               instance_weight_bytes(op, in.routed_expert_precision, 1);
    case WeightRole::SharedExpert:
        return in.shared_experts_per_gpu * instance_weight_bytes(op, in.weight_precision, 1);
    default:
        return op.instances_per_layer * instance_weight_bytes(op, in.weight_precision, in.tp_size);
    }
}

void add_weights(FitReport& r, const std::vector<OpSpec>& ops, int64_t layers, const FitInput& in, bool as_mtp) {
    for (const OpSpec& op : ops) {
        const int64_t bytes = layers * op_weight_bytes(op, in);
        r.weight_bytes_by_role[size_t(as_mtp ? WeightRole::Mtp : op.role)] += bytes;
        r.weight_bytes += bytes;
    }
}

int64_t kv_bytes_per_token_on_gpu(const FitInput& in, const ModelSpec& m) {
    const int64_t per_layer =
        m.attention == AttentionKind::Mla
            ? mla_kv_bytes_per_layer(m.kv_lora_rank, m.qk_rope_head_dim, in.kv_precision) // replicated under TP
            : m.kv_cache_bytes_per_token(in.kv_precision) / m.num_layers / m.num_kv_heads *
                  tp_local_count(m.num_kv_heads, in.tp_size);
    return per_layer * (m.num_layers + (in.serve_mtp ? m.num_mtp_modules : 0));
}

int64_t batch_tokens(const FitInput& in, int64_t batch) {
    return in.phase == Phase::Decode ? batch * in.query_tokens_per_request : batch;
}

int64_t ll_tokens(const FitInput& in, int64_t batch) {
    return in.ll_max_dispatch_tokens_per_rank > 0 ? in.ll_max_dispatch_tokens_per_rank : batch_tokens(in, batch);
}

bool has_all_to_all(const FitInput& in, const ModelSpec& m) {
    return m.num_moe_layers() > 0 && in.ep_size > 1;
}

int64_t comm_buffer_bytes(const FitInput& in, const ModelSpec& m, int64_t batch) {
    if (!has_all_to_all(in, m)) return 0;
    if (in.phase == Phase::Decode)
        return deepep_low_latency_buffer_bytes(ll_tokens(in, batch), m.hidden_size,
                                               int64_t(in.routed_experts_per_gpu) * in.ep_size);
    const DeepEpNormalBuffers b = deepep_normal_buffer_bytes(m.hidden_size, in.ep_size, in.deepep_num_sms);
    return b.nvl_bytes + b.rdma_bytes;
}

// Prefill: the prompts of `batch` tokens (context_tokens each, the last one shorter).
int64_t prefill_requests(const FitInput& in, int64_t batch) {
    return std::max<int64_t>(1, (batch + in.context_tokens - 1) / in.context_tokens);
}

// Prefill: the keys the step's prompts attend to, their cached prefixes included.
int64_t prefill_kv_tokens(const FitInput& in, int64_t batch) {
    return batch + (in.cached_prefix_tokens > 0 ? prefill_requests(in, batch) * in.cached_prefix_tokens : 0);
}

int64_t kv_bytes_for_batch(const FitInput& in, const ModelSpec& m, int64_t batch) {
    const int64_t tokens = in.phase == Phase::Decode ? batch * round_up(in.context_tokens, in.kv_page_tokens)
                                                     : round_up(prefill_kv_tokens(in, batch), in.kv_page_tokens);
    return tokens * kv_bytes_per_token_on_gpu(in, m);
}

bool ll_capacity_ok(const FitInput& in, int64_t batch) {
    return in.phase != Phase::Decode || in.ll_max_dispatch_tokens_per_rank == 0 ||
           batch_tokens(in, batch) <= in.ll_max_dispatch_tokens_per_rank;
}

// Offloading: the most routed experts per GPU and layer (or the scenario's count) that leave room for the
// requested batch, the rest in host memory; `need` gives the bytes the batch needs with r as it stands.
// Fetched experts land in a staging buffer of offload_staging_layers layers' offloaded experts (a layer
// that misses every offloaded expert still fits). Throws for host memory too small for what is offloaded.
template <class Need> void fit_offload(FitReport& r, const FitInput& in, const ModelSpec& m, int hosted, Need need) {
    const int64_t layers = m.num_moe_layers(), all = r.weight_bytes;
    int64_t& routed          = r.weight_bytes_by_role[size_t(WeightRole::RoutedExpert)];
    const int64_t routed_all = routed;
    const auto set           = [&](int resident) {
        const int64_t off           = int64_t(hosted - resident) * r.expert_bytes;
        r.weight_bytes              = all - layers * off;
        routed                      = routed_all - layers * off;
        r.resident_experts_per_gpu  = resident;
        r.offloaded_experts_per_gpu = hosted - resident;
        r.offloaded_bytes_per_gpu   = layers * off;
        r.staging_bytes             = in.offload_staging_layers * off;
    };
    int resident = in.offload_resident_experts_per_gpu;
    if (resident < 0) {
        resident = 0;
        for (int k = hosted; k >= 0; --k) {
            set(k);
            if (need() <= r.usable_bytes) {
                resident = k;
                break;
            }
        }
    }
    set(resident);
    r.host_bytes_per_node = int64_t(std::min(in.gpus_per_node, in.num_gpus)) * r.offloaded_bytes_per_gpu;
    if (r.host_bytes_per_node > in.host_memory_bytes)
        throw ConfigError(fmt::format("fit: offload.host_memory_GB: {:.1f} GB per node cannot hold the {:.1f} GB of "
                                      "routed-expert weights its {} GPUs offload ({} of {} experts per GPU and layer)",
                                      double(in.host_memory_bytes) / 1e9, double(r.host_bytes_per_node) / 1e9,
                                      std::min(in.gpus_per_node, in.num_gpus), hosted - resident, hosted));
}

} // namespace

// NOTES: activations = residual stream + the largest single working set, because the caching
// allocator reuses memory between ops and one layer runs at a time. With T tokens on the GPU:
//   residual   2 · T · hidden · 2 B (hidden state and residual, BF16)
//   attention  MLA decode:  T · heads_local · (576 + 512) · 2 B (absorbed q, latent output)
//                           + latents T · (q_lora + kv_lora + rope) · 2 B
//              MLA prefill: T · heads_local · (192 q + 128 o) · 2 B + K · heads_local · (192 k + 128 v) · 2 B
//                           (K keys: T + the cached prefixes) + the same latents
//              GQA:         T · (2 · heads_local + 2 · kv_heads_local) · head_dim · 2 B
//   dense FFN  T · 3 · inter · 2 B (gate_up output and SwiGLU output)
//   MoE        decode (DeepEP low-latency, masked layout sized for the worst case):
//                slots · ep_size · ll_tokens rows × (3 · moe_inter + hidden) · 2 B
//              prefill (contiguous layout, balanced load): T · top_k rows × (hidden · 1.03125 FP8 input
//                + (3 · moe_inter + hidden) · 2 B)
//              plus shared experts T · shared_per_gpu · 3 · moe_inter · 2 B
//   logits     rows · vocab_local · 4 B (fp32), rows = T in decode, requests (T / context) in prefill
int64_t activation_bytes(const FitInput& in, const ModelSpec& m, int64_t batch) {
    const int64_t T = batch_tokens(in, batch), h = m.hidden_size;
    const int64_t residual = 2 * T * h * 2;
    int64_t attention      = 0;
    if (m.attention == AttentionKind::Mla) {
        const int64_t heads  = tp_local_count(m.num_heads, in.tp_size);
        const int64_t latent = T * (m.q_lora_rank + m.kv_lora_rank + m.qk_rope_head_dim) * 2;
        const int64_t qk     = m.qk_nope_head_dim + m.qk_rope_head_dim;
        attention =
            latent + (in.phase == Phase::Decode ? T * heads * (2 * int64_t(m.kv_lora_rank) + m.qk_rope_head_dim) * 2
                                                : (T + prefill_kv_tokens(in, T)) * heads * (qk + m.v_head_dim) * 2);
    } else {
        attention = T * (2 * tp_local_count(m.num_heads, in.tp_size) + 2 * tp_local_count(m.num_kv_heads, in.tp_size)) *
                    m.head_dim * 2;
    }
    int64_t ffn = m.num_dense_layers > 0 ? T * 3 * m.dense_inter_size * 2 : 0;
    if (m.num_moe_layers() > 0) {
        const int64_t row   = (3 * m.moe_inter_size + h) * 2;
        const int64_t rows  = in.phase == Phase::Decode
                                  ? int64_t(in.routed_experts_per_gpu) * in.ep_size * ll_tokens(in, batch)
                                  : T * m.top_k;
        const int64_t input = in.phase == Phase::Decode ? 0 : rows * (h + h / 32); // FP8 + 1×128 fp32 scales
        ffn = std::max(ffn, rows * row + input + T * in.shared_experts_per_gpu * 3 * m.moe_inter_size * 2);
    }
    const int64_t logit_rows = in.phase == Phase::Decode ? T : std::max<int64_t>(1, T / in.context_tokens);
    const int64_t logits     = logit_rows * tp_local_count(m.vocab_size, in.tp_size) * 4;
    return residual + std::max({attention, ffn, logits});
}

ModelSpec FitInput::resolved_model() const {
    return with_layers(find_model(model), num_dense_layers, num_moe_layers);
}

void FitInput::validate() const {
    const auto fail = [](const std::string& field, const std::string& what) {
        throw ConfigError("fit: " + field + ": " + what);
    };
    const auto n      = [](int64_t v) { return std::to_string(v); };
    const ModelSpec m = resolved_model();
    gpu.validate();
    if (num_gpus < 1) fail("num_gpus", n(num_gpus) + " must be >= 1");
    if (ep_size < 1 || num_gpus % ep_size != 0)
        fail("ep_size", n(ep_size) + " must divide num_gpus (" + n(num_gpus) + ")");
    if (dp_size < 1 || tp_size < 1 || dp_size * tp_size != num_gpus)
        fail("dp_size",
             "dp_size × tp_size = " + n(dp_size) + " × " + n(tp_size) + " must equal num_gpus (" + n(num_gpus) + ")");
    if (m.num_moe_layers() > 0 && int64_t(routed_experts_per_gpu) * ep_size < m.num_routed_experts)
        fail("routed_experts_per_gpu", n(routed_experts_per_gpu) + " × ep_size " + n(ep_size) + " = " +
                                           n(int64_t(routed_experts_per_gpu) * ep_size) + " slots cannot hold the " +
                                           n(m.num_routed_experts) + " routed experts of " + model);
    if (routed_experts_per_gpu < 0) fail("routed_experts_per_gpu", "must be >= 0");
    if (shared_experts_per_gpu < 0 || shared_experts_per_gpu > m.num_shared_experts)
        fail("shared_experts_per_gpu", n(shared_experts_per_gpu) + " must be in [0, " + n(m.num_shared_experts) +
                                           "] (" + model + " has " + n(m.num_shared_experts) + " shared experts)");
    if (context_tokens < 1) fail("context_tokens", "must be >= 1");
    if (query_tokens_per_request < 1 || query_tokens_per_request > context_tokens)
        fail("query_tokens_per_request", "must be in [1, context_tokens]");
    if (cached_prefix_tokens < 0) fail("cached_prefix_tokens", "must be >= 0");
    if (requests_per_gpu < 0 || tokens_per_gpu < 0) fail("requests_per_gpu/tokens_per_gpu", "must be >= 0");
    if (kv_page_tokens < 1) fail("kv_page_tokens", "must be >= 1");
    if (serve_mtp && m.num_mtp_modules == 0) fail("serve_mtp", model + " has no MTP module");
    if (ll_max_dispatch_tokens_per_rank < 0) fail("ll_max_dispatch_tokens_per_rank", "must be >= 0 (0 = auto)");
    if (reserve_bytes < 0) fail("reserve_bytes", "must be >= 0");
    if (!(hbm_usable_fraction > 0 && hbm_usable_fraction <= 1)) fail("hbm_usable_fraction", "must be in (0, 1]");
    if (offload_experts) {
        if (m.num_moe_layers() == 0) fail("offload_experts", model + " has no routed experts to offload");
        if (host_memory_bytes <= 0)
            fail("offload.host_memory_GB", "offloading needs host memory per node for the offloaded experts");
        if (gpus_per_node < 1) fail("gpus_per_node", "must be >= 1");
        if (offload_resident_experts_per_gpu > std::max(routed_experts_per_gpu, hosted_experts_per_gpu))
            fail("offload.resident_experts_per_gpu", "more than the routed-expert slots per GPU");
        if (offload_staging_layers < 1) fail("offload_staging_layers", "must be >= 1");
    }
    (void)m.kv_cache_bytes_per_token(kv_precision); // throws for an unsupported KV format
}

FitReport fit_memory(const FitInput& in) {
    in.validate();
    const ModelSpec m = in.resolved_model();
    FitReport r;
    r.input        = in;
    r.hbm_bytes    = std::llround(in.gpu.hbm_bytes);
    r.usable_bytes = int64_t(std::floor(double(r.hbm_bytes) * in.hbm_usable_fraction));

    add_weights(r, m.embedding_ops, 1, in, false);
    add_weights(r, m.dense_layer_ops, m.num_dense_layers, in, false);
    add_weights(r, m.moe_layer_ops, m.num_moe_layers(), in, false);
    add_weights(r, m.head_ops, 1, in, false);
    if (in.serve_mtp) {
        add_weights(r, m.mtp_ops, m.num_mtp_modules, in, true);
        add_weights(r, m.mtp_head_ops, m.num_mtp_modules, in, true);
        add_weights(r, m.moe_layer_ops, m.num_mtp_modules, in, true);
    }

    const int64_t batch = in.phase == Phase::Decode ? in.requests_per_gpu : in.tokens_per_gpu;
    const auto fixed    = [&](int64_t b) {
        return r.weight_bytes + r.staging_bytes + comm_buffer_bytes(in, m, b) + activation_bytes(in, m, b) +
               in.reserve_bytes;
    };
    const int hosted = std::max(in.routed_experts_per_gpu, in.hosted_experts_per_gpu);
    for (const OpSpec& op : m.moe_layer_ops)
        if (op.role == WeightRole::RoutedExpert)
            r.expert_bytes += instance_weight_bytes(op, in.routed_expert_precision, 1);
    r.resident_experts_per_gpu = m.num_moe_layers() > 0 ? hosted : 0;
    if (in.offload_experts)
        fit_offload(r, in, m, hosted, [&] { return fixed(batch) + kv_bytes_for_batch(in, m, batch); });
    r.comm_buffer_kind      = !has_all_to_all(in, m)      ? "none (no expert parallelism)"
                              : in.phase == Phase::Decode ? "DeepEP low-latency (RDMA, double-buffered send+recv)"
                                                          : "DeepEP normal (NVLink + RDMA)";
    r.comm_buffer_bytes     = comm_buffer_bytes(in, m, batch);
    r.activation_bytes      = activation_bytes(in, m, batch);
    r.reserve_bytes         = in.reserve_bytes;
    r.kv_bytes_per_token    = kv_bytes_per_token_on_gpu(in, m);
    r.kv_tokens_per_request = round_up(in.context_tokens, in.kv_page_tokens);
    r.kv_bytes              = kv_bytes_for_batch(in, m, batch);

    const int64_t left     = r.usable_bytes - fixed(batch);
    r.kv_capacity_tokens   = std::max<int64_t>(left, 0) / r.kv_bytes_per_token;
    r.kv_capacity_requests = std::max<int64_t>(left, 0) / (r.kv_bytes_per_token * r.kv_tokens_per_request);
    r.free_bytes           = left - r.kv_bytes;

    const auto ok = [&](int64_t b) {
        return ll_capacity_ok(in, b) && fixed(b) + kv_bytes_for_batch(in, m, b) <= r.usable_bytes;
    };
    int64_t lo = 0, hi = 1; // invariant once searching: ok(lo) (or lo == 0), !ok(hi)
    while (ok(hi) && hi < (int64_t{1} << 40))
        hi *= 2;
    while (hi - lo > 1) {
        const int64_t mid   = lo + (hi - lo) / 2;
        (ok(mid) ? lo : hi) = mid;
    }
    r.max_batch = ok(lo) ? lo : 0;
    r.fits      = ok(batch);

    const std::string unit = r.batch_unit();
    if (r.fits) {
        r.reason = fmt::format("fits: {} {} per GPU hold {} of KV cache and leave {} free; up to {} {} fit", batch,
                               unit, gib(r.kv_bytes), gib(r.free_bytes), r.max_batch, unit);
    } else if (!ll_capacity_ok(in, batch)) {
        r.reason = fmt::format("does not fit: {} decode tokens per GPU exceed the DeepEP low-latency buffer's "
                               "ll_max_dispatch_tokens_per_rank = {}",
                               batch_tokens(in, batch), in.ll_max_dispatch_tokens_per_rank);
    } else if (fixed(0) > r.usable_bytes) {
        r.reason = fmt::format("does not fit: weights ({}) + communication buffers + activations + reserve need {} "
                               "of the {} usable before any KV cache",
                               gib(r.weight_bytes), gib(fixed(0)), gib(r.usable_bytes));
    } else {
        r.reason = fmt::format("does not fit: {} {} per GPU need {} of KV cache but only {} remain; the largest "
                               "batch that fits is {} {}",
                               batch, unit, gib(r.kv_bytes), gib(std::max<int64_t>(left, 0)), r.max_batch, unit);
    }
    return r;
}

} // namespace moetwin
