// SPDX-License-Identifier: Apache-2.0
#include "sim/step/training_stages.hpp"

#include "common/errors.hpp"
#include "engine/training_ops.hpp"
#include "sim/step/layer_routing.hpp"

#include <algorithm>
#include <map>
#include <string>

namespace moetwin::step {
namespace {

using namespace std::string_view_literals;

// attn(B): the router gate's gradients, the sum of ffn_norm's output gradients and its backward (the
// backward walks the layer in reverse), o_proj's input gradient (the cached attention output cast back, dY
// cast, weights transposed) and the per-channel casts of its weight gradient, the recomputed norms,
// up-projections (with their input casts), RoPE and K assembly, the MLA core attention backward, RoPE's
// backward, then the projections' input gradients down to the layer input, each with its casts.
constexpr std::string_view kAttnB[] = {
    "moe_gate_dgrad"sv,
    "moe_gate_wgrad"sv,
    "ffn_norm_grad_sum"sv,
    "ffn_norm_bwd"sv,
    "attn_output_scale_bwd"sv,
    "attn_output_cast_back"sv,
    "o_proj_dgrad_input_cast"sv,
    "o_proj_weight_transpose"sv,
    "o_proj_dgrad_input_transpose"sv,
    "o_proj_dgrad"sv,
    "o_proj_wgrad_input_cast"sv,
    "o_proj_wgrad_grad_cast"sv,
    "q_a_norm_recompute"sv,
    "kv_a_output_split_recompute"sv,
    "kv_a_norm_recompute"sv,
    "q_b_input_cast_recompute"sv,
    "q_b_input_transpose_recompute"sv,
    "q_b_proj_recompute"sv,
    "kv_b_input_cast_recompute"sv,
    "kv_b_input_transpose_recompute"sv,
    "kv_b_proj_recompute"sv,
    "attn_rotary_recompute"sv,
    "mla_k_assembly_recompute"sv,
    "mla_prefill_bwd"sv,
    "attn_rotary_bwd"sv,
    "q_b_proj_weight_transpose"sv,
    "q_b_proj_dgrad_input_cast"sv,
    "q_b_proj_dgrad_input_transpose"sv,
    "q_b_proj_dgrad"sv,
    "mla_k_assembly_bwd"sv,
    "kv_b_proj_weight_transpose"sv,
    "kv_b_proj_dgrad_input_cast"sv,
    "kv_b_proj_dgrad_input_transpose"sv,
    "kv_b_proj_dgrad"sv,
    "kv_b_proj_wgrad_grad_cast"sv,
    "kv_b_proj_wgrad_input_cast"sv,
    "q_b_proj_wgrad_grad_cast"sv,
    "q_b_proj_wgrad_input_cast"sv,
    "kv_a_norm_bwd"sv,
    "q_a_norm_bwd"sv,
    "attn_norm_recompute"sv,
    "kv_a_proj_dgrad_input_cast"sv,
    "kv_a_proj_weight_transpose"sv,
    "kv_a_proj_dgrad_input_transpose"sv,
    "kv_a_proj_dgrad"sv,
    "kv_a_proj_wgrad_input_cast"sv,
    "kv_a_proj_wgrad_grad_cast"sv,
    "q_a_proj_dgrad_input_cast"sv,
    "q_a_proj_weight_transpose"sv,
    "q_a_proj_dgrad_input_transpose"sv,
    "q_a_proj_dgrad"sv,
    "q_a_proj_wgrad_input_cast"sv,
    "q_a_proj_wgrad_grad_cast"sv,
    "attn_norm_grad_sum"sv,
    "attn_norm_bwd"sv,
};
constexpr std::string_view kAttnW[] = {"o_proj_wgrad"sv, "kv_b_proj_wgrad"sv, "q_b_proj_wgrad"sv, "kv_a_proj_wgrad"sv,
                                       "q_a_proj_wgrad"sv};
// mlp(B): the experts' input gradients (routed and shared) with the SwiGLU backward (the cached gate/up
// outputs cast back), the output gradient expanded into expert rows and the rows' input gradients reduced
// per token, ffn_norm and its FP8 input recomputed, and the per-channel casts of the weight gradients that
// follow. shared_down's dY cast runs in combine(B) (beside the dispatch of gradients it feeds): only its
// scale transpose is here.
constexpr std::string_view kMlpB[] = {"shared_gate_up_output_cast_back"sv,
                                      "shared_down_weight_transpose"sv,
                                      "shared_down_dgrad_input_transpose"sv,
                                      "shared_down_dgrad"sv,
                                      "shared_down_wgrad_grad_cast"sv,
                                      "shared_swiglu_bwd"sv,
                                      "expert_gate_up_output_cast_back"sv,
                                      "moe_reduce_bwd"sv,
                                      "expert_down_dgrad"sv,
                                      "expert_swiglu_bwd"sv,
                                      "expert_down_wgrad_input_cast"sv,
                                      "ffn_norm_recompute"sv,
                                      "ffn_input_cast_recompute"sv,
                                      "expert_gate_up_dgrad_input_cast"sv,
                                      "expert_gate_up_dgrad"sv,
                                      "moe_permute_bwd"sv,
                                      "expert_gate_up_wgrad_grad_cast"sv,
                                      "ffn_input_cast_back"sv,
                                      "shared_gate_up_weight_transpose"sv,
                                      "shared_gate_up_dgrad_input_cast"sv,
                                      "shared_gate_up_dgrad_input_transpose"sv,
                                      "shared_gate_up_dgrad"sv,
                                      "shared_gate_up_wgrad_grad_cast"sv,
                                      "shared_gate_up_wgrad_input_cast"sv};
constexpr std::string_view kMlpW[] = {"shared_down_wgrad"sv,    "expert_down_wgrad_grad_cast"sv,
                                      "expert_down_wgrad"sv,    "expert_gate_up_wgrad_input_cast"sv,
                                      "expert_gate_up_wgrad"sv, "shared_gate_up_wgrad"sv};
// What the training forward runs beyond the inference ops (OpPass::Forward training ops): attn(F) casts
// the attention input a second time for kv_a_proj, splits kv_a's output, assembles FlashAttention's K,
// caches the attention output in FP8, scales o_proj's output and runs the training router; mlp(F) builds the
// permutation's expert-order index, transposes the experts' FP8 weights for their input gradients and caches the
// gate/up outputs in FP8.
constexpr std::string_view kAttnF[] = {"kv_a_input_cast"sv, "kv_a_input_transpose"sv, "kv_a_output_split"sv,
                                       "mla_k_assembly"sv,  "attn_output_cache"sv,    "attn_output_scale"sv,
                                       "moe_gate_topk"sv};
constexpr std::string_view kMlpF[]  = {"moe_permute_index"sv, "expert_gate_up_weight_transpose"sv,
                                       "expert_down_weight_transpose"sv, "expert_gate_up_output_cache"sv,
                                       "shared_gate_up_output_cache"sv};

// Ops whose shape is the GPU's received expert rows (skipped where no token was routed here).
bool is_expert_op(const OpSpec& op) {
    const std::string_view f = forward_op_of(op.name);
    return op.role == WeightRole::RoutedExpert || f.rfind("expert_", 0) == 0 || f.rfind("moe_permute", 0) == 0 ||
           f.rfind("moe_reduce", 0) == 0;
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

std::span<const std::string_view> training_forward_ops(Stage stage) {
    switch (stage) {
    case Stage::Attn:
        return kAttnF;
    case Stage::Mlp:
        return kMlpF;
    default:
        throw ConfigError("training_forward_ops: " + std::string(to_string(stage)) + " is not a forward stage");
    }
}

void fill_backward_stages(StepPlan& p, const Scenario& s, const ComputeModel& compute, int sms) {
    MOETWIN_ASSERT(p.program.kind == ProgramKind::TrainingChunkPair && p.micro_batches == 2,
                   "fill_backward_stages needs a training chunk-pair plan");
    const std::vector<OpSpec> train = make_training_ops(p.model);
    std::map<std::string_view, const OpSpec*> by_name;
    for (const OpSpec& op : train)
        by_name[op.name] = &op;
    // (stage, micro-batch): the four backward stages of the backward chunk, then the training forward's
    // extra ops of the forward chunk (added to the inference ops' seconds).
    struct Slot {
        Stage stage;
        int mb;
        std::span<const std::string_view> names;
    };
    const Slot slots[] = {
        {Stage::AttnB, 1, backward_stage_ops(Stage::AttnB)}, {Stage::AttnW, 1, backward_stage_ops(Stage::AttnW)},
        {Stage::MlpB, 1, backward_stage_ops(Stage::MlpB)},   {Stage::MlpW, 1, backward_stage_ops(Stage::MlpW)},
        {Stage::Attn, 0, training_forward_ops(Stage::Attn)}, {Stage::Mlp, 0, training_forward_ops(Stage::Mlp)}};
    constexpr int kSlots = 6;
    std::vector<std::vector<const OpSpec*>> ops(kSlots);
    for (int i = 0; i < kSlots; ++i)
        for (std::string_view name : slots[i].names) {
            const auto it = by_name.find(name);
            if (it == by_name.end())
                throw ConfigError("training: model " + p.model.name + " has no training op '" + std::string(name) +
                                  "' for stage " + std::string(to_string(slots[i].stage)));
            ops[std::size_t(i)].push_back(it->second);
        }
    const balancer::PlacementSpec& spec = p.placement_spec;
    // Identical shapes give identical seconds: cache per (slot, tokens, experts used, rows per expert, received).
    std::map<std::tuple<int, int64_t, int64_t, int64_t, int64_t>, double> cache;
    for (int L = p.num_dense; L < p.num_layers(); ++L) {
        // Distinct tokens each GPU receives per micro-batch: column sums of the deduplicated traffic.
        std::vector<int64_t> received[2];
        for (int m = 0; m < 2; ++m) {
            const TrafficMatrix& t = p.route(L, m).traffic;
            received[m].assign(std::size_t(p.num_gpus), 0);
            for (int a = 0; a < t.num_gpus; ++a)
                for (int d = 0; d < t.num_gpus && d < p.num_gpus; ++d)
                    received[m][std::size_t(d)] += t.tokens_at(a, d);
        }
        for (int g = 0; g < p.num_gpus; ++g) {
            double& mlp_f = p.seconds(g, L, 0, Stage::Mlp);
            mlp_f += p.seconds(g, L, 0, Stage::Shared);
            p.seconds(g, L, 0, Stage::Shared) = 0;
            for (Stage st : {Stage::Attn, Stage::Mlp, Stage::Shared})
                p.seconds(g, L, 1, st) = 0; // the backward chunk runs the backward stages only
            for (int i = 0; i < kSlots; ++i) {
                const int m              = slots[i].mb;
                const MicroBatch& mb     = p.ranks[std::size_t(g / p.tp_size)].micro_batches[std::size_t(m)];
                const LayerRouting& r    = p.route(L, m);
                const GpuExpertWork work = gpu_expert_work(r, spec, g);
                const int64_t sel = work.selections, used = work.experts_used, per_expert = work.tokens_per_expert;
                const int64_t recv = received[m][std::size_t(g)];
                const auto key     = std::make_tuple(i, mb.num_tokens, used, per_expert, recv);
                auto it            = cache.find(key);
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
                        shape.received_tokens    = recv;
                        if (expert && sel == 0) continue;
                        sec += compute.op_time(*op, shape, sms).seconds;
                    }
                    it = cache.emplace(key, sec).first;
                }
                if (m == 1)
                    p.seconds(g, L, 1, slots[i].stage) = it->second;
                else
                    p.seconds(g, L, 0, slots[i].stage) += it->second;
            }
        }
    }
}

} // namespace moetwin::step
