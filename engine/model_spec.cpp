// SPDX-License-Identifier: Apache-2.0
// Parameter and KV-cache counts over the op lists, validation, printing and the model catalogue.
#include "engine/model_spec.hpp"

#include "common/errors.hpp"
#include "common/name_table.hpp"
#include "engine/layer_ops.hpp"
#include "engine/models/models.hpp"

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <ostream>
#include <string>
#include <vector>

namespace moetwin {

int64_t sum_params(const std::vector<OpSpec>& ops, bool activated, int top_k) {
    int64_t total = 0;
    for (const OpSpec& op : ops) {
        const int64_t instances = activated && op.role == WeightRole::RoutedExpert ? top_k : op.instances_per_layer;
        total += op.params_per_instance * instances;
    }
    return total;
}

namespace {

int64_t count_params(const ModelSpec& m, bool activated) {
    return sum_params(m.embedding_ops, activated, m.top_k) +
           m.num_dense_layers * sum_params(m.dense_layer_ops, activated, m.top_k) +
           m.num_moe_layers() * sum_params(m.moe_layer_ops, activated, m.top_k) +
           sum_params(m.head_ops, activated, m.top_k);
}

} // namespace

int64_t ModelSpec::total_params() const {
    return count_params(*this, false);
}
int64_t ModelSpec::activated_params() const {
    return count_params(*this, true);
}

int64_t ModelSpec::mtp_params() const {
    return num_mtp_modules * (sum_params(mtp_ops, false, top_k) + sum_params(moe_layer_ops, false, top_k) +
                              sum_params(mtp_head_ops, false, top_k));
}

int64_t ModelSpec::kv_cache_bytes_per_token(Precision kv_precision) const {
    if (attention == AttentionKind::Mla)
        return int64_t(num_layers) * mla_kv_bytes_per_layer(kv_lora_rank, qk_rope_head_dim, kv_precision);
    if (kv_precision != Precision::Bf16 && kv_precision != Precision::Fp8E4m3)
        throw ConfigError("KV cache precision " + std::string(to_string(kv_precision)) +
                          " is not supported (bf16 or fp8_e4m3)");
    return int64_t(num_layers) * 2 * num_kv_heads * head_dim * int64_t(element_bytes(kv_precision));
}

void ModelSpec::validate() const {
    const auto check = [&](bool ok, const std::string& what) {
        if (!ok) throw ConfigError("model '" + name + "': " + what);
    };
    check(!name.empty(), "name: must not be empty");
    check(hidden_size > 0 && vocab_size > 0, "hidden_size and vocab_size must be > 0");
    check(num_layers >= 1, "num_layers must be >= 1");
    check(num_dense_layers >= 0 && num_dense_layers <= num_layers, "num_dense_layers must be in [0, num_layers]");
    check(num_dense_layers == 0 || dense_inter_size > 0, "dense layers need dense_inter_size > 0");
    if (num_moe_layers() > 0) {
        check(num_routed_experts >= 1 && moe_inter_size > 0, "MoE layers need routed experts and moe_inter_size");
        check(top_k >= 1 && top_k <= num_routed_experts, "top_k must be in [1, num_routed_experts]");
        check(num_expert_groups >= 1 && num_routed_experts % num_expert_groups == 0,
              "num_expert_groups must divide num_routed_experts");
        check(topk_groups >= 1 && topk_groups <= num_expert_groups, "topk_groups must be in [1, num_expert_groups]");
        check(topk_groups * (num_routed_experts / num_expert_groups) >= top_k,
              "topk_groups hold fewer experts than top_k");
    }
    check(num_shared_experts >= 0 && num_mtp_modules >= 0, "counts must be >= 0");
    check(num_heads >= 1, "num_heads must be >= 1");
    if (attention == AttentionKind::Mla) {
        check(kv_lora_rank > 0 && qk_rope_head_dim > 0 && qk_nope_head_dim > 0 && v_head_dim > 0,
              "MLA needs kv_lora_rank, qk_rope_head_dim, qk_nope_head_dim and v_head_dim > 0");
    } else {
        check(num_kv_heads >= 1 && num_heads % num_kv_heads == 0, "GQA: num_kv_heads must divide num_heads");
        check(head_dim > 0, "GQA needs head_dim > 0");
    }
}

void build_op_lists(ModelSpec& m) {
    m.validate();
    const std::vector<OpSpec> attention = make_attention_ops(m);
    m.embedding_ops                     = make_embedding_ops(m);
    m.dense_layer_ops.clear();
    m.moe_layer_ops.clear();
    if (m.num_dense_layers > 0) {
        m.dense_layer_ops = attention;
        for (OpSpec& op : make_dense_ffn_ops(m))
            m.dense_layer_ops.push_back(std::move(op));
    }
    if (m.num_moe_layers() > 0) {
        m.moe_layer_ops = attention;
        for (OpSpec& op : make_moe_ffn_ops(m))
            m.moe_layer_ops.push_back(std::move(op));
    }
    m.head_ops     = make_head_ops(m);
    m.mtp_ops      = make_mtp_ops(m);
    m.mtp_head_ops = make_mtp_head_ops(m);
}

std::span<const ModelSpec> model_catalogue() {
    static const std::vector<ModelSpec> catalogue = {
        models::deepseek_v3(),  models::deepseek_v2(),         models::qwen3_235b_a22b(),
        models::kimi_k2(),      models::mixtral_8x22b(),       models::mixtral_8x7b(),
        models::grok1(),        models::deepseek_v2_lite(),    models::llama3_1_405b(),
        models::llama3_1_70b(), models::r1_distill_qwen_32b(), models::r1_distill_qwen_7b()};
    return catalogue;
}

const ModelSpec& find_model(std::string_view name) {
    std::vector<std::string_view> known;
    for (const ModelSpec& m : model_catalogue()) {
        if (m.name == name) return m;
        known.push_back(m.name);
    }
    throw ConfigError(unknown_name_message("model", name, known));
}

void print_model_table(std::ostream& out, std::span<const ModelSpec> models) {
    fmt::print(out, "{:<20} {:>11} {:>13} {:>5} {:>15} {:>15} {:>13}\n", "model", "layers", "experts", "attn",
               "total B (pub)", "active B (pub)", "KV B/token");
    for (const ModelSpec& m : models) {
        const std::string layers = fmt::format("{}={}+{}", m.num_layers, m.num_dense_layers, m.num_moe_layers());
        const std::string experts =
            m.is_dense() ? std::string("dense")
                         : fmt::format("{}+{} top{}", m.num_routed_experts, m.num_shared_experts, m.top_k);
        const std::string total =
            fmt::format("{:.1f} ({:.4g})", double(m.total_params()) / 1e9, m.published_total_params / 1e9);
        const std::string active =
            fmt::format("{:.2f} ({:.1f})", double(m.activated_params()) / 1e9, m.published_activated_params / 1e9);
        fmt::print(out, "{:<20} {:>11} {:>13} {:>5} {:>15} {:>15} {:>13}\n", m.name, layers, experts,
                   to_string(m.attention), total, active, m.kv_cache_bytes_per_token(Precision::Bf16));
    }
    out << "layers = total = dense + MoE; experts = routed + shared; totals exclude MTP modules; KV in BF16, all "
           "layers\n";
}

std::string_view to_string(AttentionKind kind) {
    return kind == AttentionKind::Mla ? "mla" : "gqa";
}

std::ostream& operator<<(std::ostream& out, const ModelSpec& m) {
    out << "ModelSpec " << m.name << " (" << m.display_name << "; " << m.source << ")\n"
        << "  hidden_size=" << m.hidden_size << " vocab_size=" << m.vocab_size << " num_layers=" << m.num_layers
        << " num_dense_layers=" << m.num_dense_layers << " dense_inter_size=" << m.dense_inter_size
        << " moe_inter_size=" << m.moe_inter_size << "\n"
        << "  num_routed_experts=" << m.num_routed_experts << " num_shared_experts=" << m.num_shared_experts
        << " top_k=" << m.top_k << " num_expert_groups=" << m.num_expert_groups << " topk_groups=" << m.topk_groups
        << " route_scale=" << m.route_scale << " gate_has_bias=" << m.gate_has_bias << "\n"
        << "  attention=" << to_string(m.attention) << " num_heads=" << m.num_heads << " q_lora_rank=" << m.q_lora_rank
        << " kv_lora_rank=" << m.kv_lora_rank << " qk_nope_head_dim=" << m.qk_nope_head_dim
        << " qk_rope_head_dim=" << m.qk_rope_head_dim << " v_head_dim=" << m.v_head_dim
        << " num_kv_heads=" << m.num_kv_heads << " head_dim=" << m.head_dim << " qk_norm=" << m.qk_norm
        << " qkv_bias=" << m.qkv_bias << "\n"
        << "  tie_embeddings=" << m.tie_embeddings << " num_mtp_modules=" << m.num_mtp_modules
        << " published=" << m.published_total_params << "/" << m.published_activated_params << " ("
        << m.published_source << ")\n";
    const auto list = [&](const char* title, const std::vector<OpSpec>& ops) {
        out << "  " << title << ":";
        for (const OpSpec& op : ops)
            out << ' ' << op.name;
        out << '\n';
    };
    list("embedding_ops", m.embedding_ops);
    list("dense_layer_ops", m.dense_layer_ops);
    list("moe_layer_ops", m.moe_layer_ops);
    list("head_ops", m.head_ops);
    list("mtp_ops", m.mtp_ops);
    list("mtp_head_ops", m.mtp_head_ops);
    return out;
}

ModelSpec with_layers(const ModelSpec& base, int num_dense_layers, int num_moe_layers) {
    const int dense = num_dense_layers < 0 ? base.num_dense_layers : num_dense_layers;
    const int moe   = num_moe_layers < 0 ? base.num_moe_layers() : num_moe_layers;
    if (dense > base.num_dense_layers || moe > base.num_moe_layers())
        throw ConfigError(base.name + ": cannot keep " + std::to_string(dense) + " dense and " + std::to_string(moe) +
                          " MoE layers of " + std::to_string(base.num_dense_layers) + " and " +
                          std::to_string(base.num_moe_layers()));
    if (dense + moe < 1) throw ConfigError(base.name + ": a model needs at least one layer");
    ModelSpec m        = base;
    m.num_dense_layers = dense;
    m.num_layers       = dense + moe;
    return m;
}

} // namespace moetwin
