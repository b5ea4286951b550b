// SPDX-License-Identifier: Apache-2.0
#include "sim/scenario_training.hpp"

#include "common/errors.hpp"
#include "engine/model_spec.hpp"

#include <algorithm>

namespace moetwin {

std::string pipeline_requirement_error(PipelineSchedule schedule, int pp, int m) {
    const std::string name(to_string(schedule));
    if (pp < 1) return "pipeline size must be >= 1, got " + std::to_string(pp);
    if (m < 1) return "micro-batches must be >= 1, got " + std::to_string(m);
    if (schedule == PipelineSchedule::DualPipe) {
        if (pp < 2 || pp % 2 != 0) return name + " needs an even number of stages >= 2, got " + std::to_string(pp);
        if (m % 2 != 0 || m < 2 * pp)
            return name + " needs an even number of micro-batches >= 2 x stages (" + std::to_string(2 * pp) +
                   "; dualpipe.py), got " + std::to_string(m);
    } else if (m < pp) {
        return name + " needs at least as many micro-batches as stages (" + std::to_string(pp) + "), got " +
               std::to_string(m);
    }
    return "";
}

std::vector<int> default_layer_split(int num_layers, int pp) {
    MOETWIN_ASSERT(pp >= 1 && pp <= num_layers, "default_layer_split needs 1 <= pp <= layers");
    const int k    = (num_layers + pp - 1) / pp;
    const int rest = num_layers - k * (pp - 1);
    std::vector<int> split(std::size_t(pp), k);
    if (rest >= 1) {
        split.back() = rest;
        return split;
    }
    for (int s = 0; s < pp; ++s)
        split[std::size_t(s)] = num_layers / pp + (s < num_layers % pp ? 1 : 0);
    return split;
}

namespace {

struct Params {
    int64_t routed = 0, other = 0;
};

Params count(const std::vector<OpSpec>& ops) {
    Params p;
    for (const OpSpec& op : ops)
        (op.role == WeightRole::RoutedExpert ? p.routed : p.other) += op.params_per_instance * op.instances_per_layer;
    return p;
}

void add(Params& a, const Params& b) {
    a.routed += b.routed;
    a.other += b.other;
}

} // namespace

namespace {

// Activation bytes one token leaves cached in a layer until its backward (DeepSeek-V3 tech report §3.3.3:
// FP8 caches of the linear layers' inputs, RMSNorm and the MLA up-projections recomputed): the layer input
// (BF16, 2h), the MLA latents (BF16: q_lora + kv_lora + rope), the attention output (FP8: heads × v, o_proj's
// input), the FFN input (FP8, h), then per dense FFN 3·inter (FP8 gate/up outputs and the SwiGLU output) or
// per MoE layer top_k·(h + 3·moe_inter) (each selection's dispatched row, gate/up and SwiGLU outputs in FP8)
// + shared experts × 3·moe_inter.
int64_t layer_activation_B(const ModelSpec& m, bool dense) {
    const int64_t h = m.hidden_size;
    const int64_t attn =
        2 * h + 2 * (m.q_lora_rank + m.kv_lora_rank + m.qk_rope_head_dim) + int64_t(m.num_heads) * m.v_head_dim + h;
    if (dense) return attn + 3 * m.dense_inter_size;
    return attn + int64_t(m.top_k) * (h + 3 * m.moe_inter_size) + int64_t(m.num_shared_experts) * 3 * m.moe_inter_size;
}

// Parameters of the rank's stages (all experts) and its activation bytes per token.
std::pair<Params, int64_t> stage_totals(const ModelSpec& m, const TrainingConfig& t, const std::vector<int>& stages) {
    Params params;
    int64_t act_per_token_B = 0;
    const int pp            = int(t.layers_per_stage.size());
    for (int s : stages) {
        int first = 0;
        for (int k = 0; k < s; ++k)
            first += t.layers_per_stage[std::size_t(k)];
        const int n = t.layers_per_stage[std::size_t(s)];
        int moe     = 0;
        for (int L = first; L < first + n; ++L) {
            const bool dense = L < m.num_dense_layers;
            add(params, count(dense ? m.dense_layer_ops : m.moe_layer_ops));
            moe += !dense;
        }
        if (s == 0) add(params, count(m.embedding_ops));
        if (s == pp - 1) {
            add(params, count(m.head_ops));
            for (int d = 0; d < m.num_mtp_modules; ++d) {
                add(params, count(m.mtp_ops));
                add(params, count(m.moe_layer_ops));
                ++moe;
            }
        }
        act_per_token_B += int64_t(n - moe + (s == pp - 1 ? m.num_mtp_modules : 0)) * layer_activation_B(m, true) +
                           int64_t(moe) * layer_activation_B(m, false);
    }
    return {params, act_per_token_B};
}

} // namespace

RankParams rank_params(const ModelSpec& m, const TrainingConfig& t, int ep_size, const std::vector<int>& stages) {
    const Params p = stage_totals(m, t, stages).first;
    return {p.routed / ep_size, p.other};
}

TrainingMemory training_memory(const ModelSpec& m, const TrainingConfig& t, int ep_size, const std::vector<int>& stages,
                               int live_chunks) {
    const auto [params, act_per_token_B] = stage_totals(m, t, stages);
    // Routed experts are spread over the EP group; everything else is replicated on every GPU of a stage.
    const int64_t routed_local = params.routed / ep_size;
    const int64_t local        = routed_local + params.other;
    TrainingMemory mem;
    mem.weights_B   = 2 * local;
    mem.gradients_B = 4 * local;
    const int dp_r  = t.zero_stage >= 1 ? std::max(1, t.dp_size) : 1;
    const int dp_o  = t.zero_stage >= 1 ? std::max(1, t.attention_dp()) : 1;
    mem.optimizer_B = 8 * routed_local / dp_r + 8 * params.other / dp_o;
    // A live chunk is one stage's layers for one micro-batch: a rank holding two stages (DualPipe) keeps PP + 1
    // chunks of either, counted at the mean of the two.
    mem.activations_B = int64_t(live_chunks) * t.sequence_tokens * act_per_token_B / int64_t(stages.size());
    return mem;
}

} // namespace moetwin
