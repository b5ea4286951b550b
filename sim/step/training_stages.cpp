// SPDX-License-Identifier: Apache-2.0
#include "sim/step/training_stages.hpp"

#include "common/errors.hpp"
#include "engine/training_ops.hpp"

#include <algorithm>
#include <map>
#include <string>

namespace moetwin::step {
namespace {

using namespace std::string_view_literals;

// attn(B): the router gate's gradients and the norms' backward (ffn_norm first: the backward walks the
// layer in reverse), o_proj's input gradient, the recomputed up-projections and norms, the MLA core
// attention backward, then the projections' input gradients down to the layer input.
constexpr std::string_view kAttnB[] = {
    "moe_gate_dgrad"sv,      "moe_gate_wgrad"sv,      "ffn_norm_bwd"sv,        "o_proj_dgrad"sv,
    "q_a_norm_recompute"sv,  "kv_a_norm_recompute"sv, "attn_norm_recompute"sv, "q_b_proj_recompute"sv,
    "kv_b_proj_recompute"sv, "mla_prefill_bwd"sv,     "q_b_proj_dgrad"sv,      "kv_b_proj_dgrad"sv,
    "kv_a_norm_bwd"sv,       "q_a_norm_bwd"sv,        "kv_a_proj_dgrad"sv,     "q_a_proj_dgrad"sv,
    "attn_norm_bwd"sv,
};
constexpr std::string_view kAttnW[] = {"o_proj_wgrad"sv, "kv_b_proj_wgrad"sv, "q_b_proj_wgrad"sv, "kv_a_proj_wgrad"sv,
                                       "q_a_proj_wgrad"sv};
// mlp(B): the experts' input gradients (routed and shared) with the SwiGLU backward, and ffn_norm
// recomputed for the weight gradients that follow.
constexpr std::string_view kMlpB[] = {"shared_down_dgrad"sv, "shared_swiglu_bwd"sv, "shared_gate_up_dgrad"sv,
                                      "expert_down_dgrad"sv, "expert_swiglu_bwd"sv, "expert_gate_up_dgrad"sv,
                                      "ffn_norm_recompute"sv};
constexpr std::string_view kMlpW[] = {"shared_down_wgrad"sv, "expert_down_wgrad"sv, "expert_gate_up_wgrad"sv,
                                      "shared_gate_up_wgrad"sv};

bool is_expert_op(const OpSpec& op) {
    return op.role == WeightRole::RoutedExpert || forward_op_of(op.name).rfind("expert_", 0) == 0;
}

} // namespace

std::span<const std::string_view> backward_stage_ops(Stage stage) {
    switch (stage) {
    case Stage::AttnB:
        return kAttnB;
    case Stage::AttnW:
        return kAttnW;
    case Stage::MlpB:
        return kMlpB;
    case Stage::MlpW:
        return kMlpW;
    default:
        throw ConfigError("backward_stage_ops: " + std::string(to_string(stage)) + " is not a backward stage");
    }
}

void fill_backward_stages(StepPlan& p, const Scenario& s, const ComputeModel& compute, int sms) {
    MOETWIN_ASSERT(p.program.kind == ProgramKind::TrainingChunkPair && p.micro_batches == 2,
                   "fill_backward_stages needs a training chunk-pair plan");
    const std::vector<OpSpec> train = make_training_ops(p.model);
    std::map<std::string_view, const OpSpec*> by_name;
    for (const OpSpec& op : train)
        by_name[op.name] = &op;
    const Stage stages[] = {Stage::AttnB, Stage::AttnW, Stage::MlpB, Stage::MlpW};
    std::vector<std::vector<const OpSpec*>> ops(4);
    for (int i = 0; i < 4; ++i)
        for (std::string_view name : backward_stage_ops(stages[i])) {
            const auto it = by_name.find(name);
            if (it == by_name.end())
                throw ConfigError("training: model " + p.model.name + " has no training op '" + std::string(name) +
                                  "' for stage " + std::string(to_string(stages[i])));
            ops[std::size_t(i)].push_back(it->second);
        }
    const int spg = s.active_unit().routed_experts_per_gpu;
    // Identical shapes give identical seconds: cache per (stage, tokens, experts used, rows per expert).
    std::map<std::tuple<int, int64_t, int64_t, int64_t>, double> cache;
    for (int g = 0; g < p.num_gpus; ++g) {
        const MicroBatch& mb = p.ranks[std::size_t(g / p.tp_size)].micro_batches[1];
        for (int L = p.num_dense; L < p.num_layers(); ++L) {
            double& mlp_f = p.seconds(g, L, 0, Stage::Mlp);
            mlp_f += p.seconds(g, L, 0, Stage::Shared);
            p.seconds(g, L, 0, Stage::Shared) = 0;
            for (Stage st : {Stage::Attn, Stage::Mlp, Stage::Shared})
                p.seconds(g, L, 1, st) = 0; // the backward chunk runs the backward stages only
            const LayerRouting& r = p.route(L, 1);
            int64_t sel = 0, used = 0;
            for (int k = 0; k < spg; ++k) {
                const int64_t n = r.slot_selections[std::size_t(g * spg + k)];
                sel += n;
                used += n > 0;
            }
            const int64_t per_expert = used > 0 ? (sel + used - 1) / used : 0;
            for (int i = 0; i < 4; ++i) {
                const auto key = std::make_tuple(i, mb.num_tokens, used, per_expert);
                auto it        = cache.find(key);
                if (it == cache.end()) {
                    double sec = 0;
                    for (const OpSpec* op : ops[std::size_t(i)]) {
                        OpShape shape;
                        shape.phase                    = Phase::Prefill;
                        shape.num_tokens               = mb.num_tokens;
                        shape.num_requests             = std::max<int64_t>(1, mb.num_requests);
                        shape.kv_len                   = mb.kv_len;
                        shape.query_tokens_per_request = mb.query_tokens_per_request;
                        const bool expert              = is_expert_op(*op);
                        shape.weight_precision   = expert ? s.precision.expert_weights : s.precision.dense_weights;
                        shape.kv_precision       = s.precision.kv_cache;
                        shape.dispatch_precision = s.precision.dispatch;
                        shape.num_local_experts  = std::max<int64_t>(1, used);
                        shape.tokens_per_expert  = per_expert;
                        if (expert && sel == 0) continue;
                        sec += compute.op_time(*op, shape, sms).seconds;
                    }
                    it = cache.emplace(key, sec).first;
                }
                p.seconds(g, L, 1, stages[i]) = it->second;
            }
        }
    }
}

} // namespace moetwin::step
