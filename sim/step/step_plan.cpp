// SPDX-License-Identifier: Apache-2.0
// plan_step(): scenario -> placement, routing per MoE layer and micro-batch, compute-stage seconds.
#include "sim/step/step_plan.hpp"
#include "sim/step/replica_choice_step.hpp"

#include "common/errors.hpp"
#include "sim/step/expert_offload_step.hpp"
#include "sim/step/expert_popularity.hpp"
#include "sim/step/layer_gate.hpp"
#include "sim/step/layer_routing.hpp"
#include "sim/step/popularity_fit.hpp"
#include "sim/step/popularity_report.hpp"
#include "sim/step/step_placement.hpp"
#include "sim/step/training_stages.hpp"

#include <algorithm>
#include <map>
#include <tuple>

namespace moetwin::step {
namespace {

// Index of the first op named ffn_norm (ops before it are the attention side, sharded by attention
// TP and fed the DP rank's tokens); the list size when there is none.
std::size_t ffn_start(const std::vector<OpSpec>& ops) {
    for (std::size_t i = 0; i < ops.size(); ++i)
        if (ops[i].name == "ffn_norm") return i;
    return ops.size();
}

// Times op lists at shapes, caching identical (ops, tokens, requests, kv, sms) questions.
class StageTimer {
  public:
    StageTimer(const ComputeModel& cm, const Scenario& s) : cm_(cm), s_(s) {}

    // Seconds of ops[i] for i in `which`, attention-side ops (i < attn_end) at the DP rank's shape.
    double time(const std::vector<OpSpec>& ops, const std::vector<std::size_t>& which, std::size_t attn_end,
                const MicroBatch& rank_mb, int64_t gpu_tokens, int64_t local_experts, int64_t tokens_per_expert,
                int sms, int64_t received_tokens = 0) {
        const auto key =
            std::make_tuple(&ops, which.empty() ? -1 : int(which.front()), int(which.size()), rank_mb.num_tokens,
                            rank_mb.num_requests, rank_mb.kv_len, rank_mb.query_tokens_per_request, gpu_tokens,
                            local_experts, tokens_per_expert, sms, received_tokens);
        if (auto it = cache_.find(key); it != cache_.end()) return it->second;
        const DeploymentUnit& unit = s_.active_unit();
        double sec                 = 0;
        for (std::size_t i : which) {
            const OpSpec& op = ops[i];
            OpShape shape;
            shape.phase                    = s_.workload.phase;
            shape.num_requests             = std::max<int64_t>(1, rank_mb.num_requests);
            shape.kv_len                   = rank_mb.kv_len;
            shape.query_tokens_per_request = rank_mb.query_tokens_per_request;
            shape.weight_precision =
                op.role == WeightRole::RoutedExpert ? s_.precision.expert_weights : s_.precision.dense_weights;
            shape.kv_precision       = s_.precision.kv_cache;
            shape.dispatch_precision = s_.precision.dispatch;
            if (i < attn_end) {
                shape.num_tokens   = rank_mb.num_tokens;
                shape.attn_tp_size = unit.tp_size;
            } else {
                shape.num_tokens = gpu_tokens;
            }
            shape.num_local_experts = std::max<int64_t>(1, local_experts);
            shape.tokens_per_expert = tokens_per_expert;
            shape.received_tokens   = received_tokens;
            if (shape.num_tokens <= 0) continue;
            sec += cm_.op_time(op, shape, sms).seconds;
        }
        cache_.emplace(key, sec);
        return sec;
    }

  private:
    const ComputeModel& cm_;
    const Scenario& s_;
    std::map<
        std::tuple<const void*, int, int, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int, int64_t>,
        double>
        cache_;
};

// Ops of `ops` that run in `phase` beside the step's all-to-all mode (and in stage `want`).
std::vector<std::size_t> indices_of(const std::vector<OpSpec>& ops, Phase phase, DeepEpMode comm,
                                    const std::vector<std::optional<Stage>>& stages, std::optional<Stage> want) {
    std::vector<std::size_t> out;
    for (std::size_t i = 0; i < ops.size(); ++i)
        if (runs_in(ops[i], phase) && (!ops[i].normal_comm_only || comm == DeepEpMode::Normal) &&
            (!want || stages[i] == want))
            out.push_back(i);
    return out;
}

// The batch an MTP pass runs on: the first over the main model's tokens, later ones (further
// drafts) over one token per request.
MicroBatch mtp_pass_batch(const MicroBatch& mb, int pass) {
    if (pass == 0) return mb;
    MicroBatch b               = mb;
    b.num_tokens               = mb.num_requests;
    b.query_tokens_per_request = 1;
    return b;
}

// [pass][mb][gpu]: the tokens each GPU runs (and dispatches) per micro-batch; pass 0 = the main layers (and
// the first MTP pass), pass k = MTP pass k.
using PassTokens = std::vector<std::vector<std::vector<int64_t>>>;
PassTokens pass_tokens_of(const StepPlan& p) {
    const int passes = std::max(1, p.num_mtp);
    PassTokens pass_tokens(
        std::size_t(passes),
        std::vector<std::vector<int64_t>>(std::size_t(p.micro_batches), std::vector<int64_t>(std::size_t(p.num_gpus))));
    for (int k = 0; k < passes; ++k)
        for (int g = 0; g < p.num_gpus; ++g)
            for (int m = 0; m < p.micro_batches; ++m)
                pass_tokens[std::size_t(k)][std::size_t(m)][std::size_t(g)] = gpu_share(
                    mtp_pass_batch(p.ranks[std::size_t(g / p.tp_size)].micro_batches[std::size_t(m)], k).num_tokens,
                    p.tp_size, g % p.tp_size);
    return pass_tokens;
}

// Distinct tokens each GPU receives in one dispatch: column sums of the deduplicated traffic.
std::vector<int64_t> received_tokens(const TrafficMatrix& t) {
    std::vector<int64_t> r(std::size_t(t.num_gpus), 0);
    for (int s = 0; s < t.num_gpus; ++s)
        for (int d = 0; d < t.num_gpus; ++d)
            r[std::size_t(d)] += t.tokens_at(s, d);
    return r;
}

// The TP all-reduces of the step (tp_allreduce.hpp): after attention in every layer, and after a split MLP;
// bytes from each DP rank's micro-batches (an MTP pass after the first: one token per request).
TpCommPlan tp_comm_plan(const StepPlan& p, ProgramKind kind, bool mlp_tp) {
    TpCommPlan tp;
    if (p.tp_size <= 1 || kind == ProgramKind::TrainingChunkPair) return tp;
    tp.group_size      = p.tp_size;
    tp.per_dense_layer = mlp_tp ? 2 : 1;
    tp.per_moe_layer   = p.num_moe > 0 ? 1 : 0;
    tp.bytes.resize(std::size_t(std::max(1, p.num_mtp)));
    for (std::size_t k = 0; k < tp.bytes.size(); ++k)
        for (const RankBatch& r : p.ranks)
            for (const MicroBatch& mb : r.micro_batches)
                tp.bytes[k].push_back(tp_allreduce_bytes(mtp_pass_batch(mb, int(k)).num_tokens, p.model.hidden_size));
    return tp;
}

// The compute-stage seconds of every GPU, layer and micro-batch (and the TP all-reduce plan) of `p`, whose
// placement, routing and ranks are set; returns the SMs the MoE-layer stages ran on.
int time_stages(StepPlan& p, const Scenario& s, const ComputeModel& compute, const PassTokens& pass_tokens) {
    const DeploymentUnit& unit = s.active_unit();
    const ProgramKind kind     = program_kind_for(s);
    const auto& gpu_tokens     = pass_tokens[0];
    StageTimer timer(compute, s);
    const Phase phase   = s.workload.phase;
    const DeepEpMode cm = p.comm_mode;
    const int all_sms   = s.gpu.num_sms;
    // Training chunk pairs run their compute beside DeepEP's normal kernels, as the prefill overlap does.
    const int moe_sms   = kind == ProgramKind::PrefillOverlap || kind == ProgramKind::TrainingChunkPair
                              ? s.schedule.compute_sms
                              : all_sms;
    const ModelSpec& md = p.model;
    const auto stages   = moe_op_stages(md);
    const auto all_of   = [&](const std::vector<OpSpec>& ops) {
        return indices_of(ops, phase, cm, std::vector<std::optional<Stage>>(ops.size()), std::nullopt);
    };
    const auto embed_ops = all_of(md.embedding_ops), dense_ops = all_of(md.dense_layer_ops),
               head_ops = all_of(md.head_ops), mtp_ops = all_of(md.mtp_ops), mtp_head_ops = all_of(md.mtp_head_ops);
    const auto attn0              = indices_of(md.moe_layer_ops, phase, cm, stages, Stage::Attn0);
    const auto attn1              = indices_of(md.moe_layer_ops, phase, cm, stages, Stage::Attn1);
    std::vector<std::size_t> attn = attn0;
    attn.insert(attn.end(), attn1.begin(), attn1.end());
    const auto mlp    = indices_of(md.moe_layer_ops, phase, cm, stages, Stage::Mlp);
    const auto shared = indices_of(md.moe_layer_ops, phase, cm, stages, Stage::Shared);
    // A dense model's FFN is split by TP like its attention (Megatron; engine/ffn_ops.cpp gives its GEMMs
    // max_tp_shards > 1): it runs on the rank's tokens with the GPU's shard of the weights, so every op of
    // its layer takes the rank's shape.
    const std::size_t dense_ffn = ffn_start(md.dense_layer_ops);
    const bool mlp_tp = std::any_of(md.dense_layer_ops.begin() + std::ptrdiff_t(dense_ffn), md.dense_layer_ops.end(),
                                    [](const OpSpec& op) { return op.max_tp_shards > 1; });
    const std::size_t dense_attn_end = mlp_tp ? md.dense_layer_ops.size() : dense_ffn;
    const std::size_t moe_attn_end   = ffn_start(md.moe_layer_ops);
    p.tp                             = tp_comm_plan(p, kind, mlp_tp);
    std::vector<std::size_t> dense_attn_ops, dense_ffn_ops; // the two sides of the first all-reduce
    for (std::size_t i : dense_ops)
        (i < dense_ffn ? dense_attn_ops : dense_ffn_ops).push_back(i);
    if (p.tp.per_dense_layer > 0)
        p.tp.dense_attn_s.assign(std::size_t(p.num_gpus) * std::size_t(p.num_dense) * std::size_t(p.micro_batches),
                                 0.0);
    const balancer::PlacementSpec& spec = p.placement_spec;
    // Distinct tokens received per (MoE layer, micro-batch) and GPU: only ops beside the normal
    // all-to-all read them (moe_permute, moe_reduce).
    std::vector<std::vector<int64_t>> received(p.routing.size());
    if (cm == DeepEpMode::Normal)
        for (std::size_t i = 0; i < p.routing.size(); ++i)
            received[i] = received_tokens(p.routing[i].traffic);

    p.stage_s.assign(
        std::size_t(p.num_gpus) * std::size_t(p.num_layers() + 1) * std::size_t(p.micro_batches) * kNumStages, 0.0);
    for (int g = 0; g < p.num_gpus; ++g)
        for (int m = 0; m < p.micro_batches; ++m) {
            const MicroBatch& main_mb         = p.ranks[std::size_t(g / p.tp_size)].micro_batches[std::size_t(m)];
            const int64_t tok                 = gpu_tokens[std::size_t(m)][std::size_t(g)];
            p.seconds(g, -1, m, Stage::Embed) = timer.time(md.embedding_ops, embed_ops, 0, main_mb, tok, 1, 0, all_sms);
            p.seconds(g, -1, m, Stage::Head)  = timer.time(md.head_ops, head_ops, 0, main_mb, tok, 1, 0, all_sms);
            for (int L = 0; L < p.num_dense; ++L) {
                if (p.tp.per_dense_layer == 0) {
                    p.seconds(g, L, m, Stage::Dense) =
                        timer.time(md.dense_layer_ops, dense_ops, dense_attn_end, main_mb, tok, 1, 0, all_sms);
                    continue;
                }
                const double attn_s =
                    timer.time(md.dense_layer_ops, dense_attn_ops, dense_attn_end, main_mb, tok, 1, 0, all_sms);
                p.tp.dense_attn_s[(std::size_t(g) * std::size_t(p.num_dense) + std::size_t(L)) *
                                      std::size_t(p.micro_batches) +
                                  std::size_t(m)] = attn_s;
                p.seconds(g, L, m, Stage::Dense) =
                    attn_s + timer.time(md.dense_layer_ops, dense_ffn_ops, dense_attn_end, main_mb, tok, 1, 0, all_sms);
            }
            for (int L = p.num_dense; L < p.num_layers(); ++L) {
                const bool mtp           = p.is_mtp(L);
                const int pass           = mtp ? L - (p.num_layers() - p.num_mtp) : 0;
                const MicroBatch mb      = mtp_pass_batch(main_mb, pass);
                const int64_t ltok       = pass_tokens[std::size_t(pass)][std::size_t(m)][std::size_t(g)];
                const LayerRouting& r    = p.route(L, m);
                const GpuExpertWork work = gpu_expert_work(r, spec, g);
                const int64_t sel = work.selections, used = work.experts_used, per_expert = work.tokens_per_expert;
                const auto& rv     = received[std::size_t((L - p.num_dense) * p.micro_batches + m)];
                const int64_t recv = rv.empty() ? 0 : rv[std::size_t(g)];
                auto& ops          = md.moe_layer_ops;
                // An MTP pass starts with the next tokens' embedding and the MTP projections.
                const double pre =
                    mtp ? timer.time(md.mtp_ops, mtp_ops, md.mtp_ops.size(), mb, ltok, 1, 0, moe_sms) : 0.0;
                p.seconds(g, L, m, Stage::Attn0)  = pre + timer.time(ops, attn0, moe_attn_end, mb, ltok, 1, 0, moe_sms);
                p.seconds(g, L, m, Stage::Attn1)  = timer.time(ops, attn1, moe_attn_end, mb, ltok, 1, 0, moe_sms);
                p.seconds(g, L, m, Stage::Attn)   = pre + timer.time(ops, attn, moe_attn_end, mb, ltok, 1, 0, moe_sms);
                p.seconds(g, L, m, Stage::Shared) = // none where the shared expert is served from slots only
                    unit.shared_experts_per_gpu > 0 ? timer.time(ops, shared, moe_attn_end, mb, ltok, 1, 0, moe_sms)
                                                    : 0.0;
                p.seconds(g, L, m, Stage::Mlp) =
                    sel > 0 ? timer.time(ops, mlp, moe_attn_end, mb, ltok, used, per_expert, moe_sms, recv) : 0.0;
                if (mtp) { // the draft's embedding lookup and head: one row per request
                    p.seconds(g, L, m, Stage::Embed) =
                        timer.time(md.embedding_ops, embed_ops, 0, mb, ltok, 1, 0, all_sms);
                    MicroBatch draft               = mb;
                    draft.num_tokens               = mb.num_requests;
                    draft.query_tokens_per_request = 1;
                    const int64_t rows             = gpu_share(draft.num_tokens, p.tp_size, g % p.tp_size);
                    p.seconds(g, L, m, Stage::Head) =
                        timer.time(md.mtp_head_ops, mtp_head_ops, 0, draft, rows, 1, 0, all_sms);
                }
            }
        }
    return moe_sms;
}

} // namespace

std::vector<std::optional<Stage>> moe_op_stages(const ModelSpec& model) {
    const auto& ops = model.moe_layer_ops;
    std::vector<std::optional<Stage>> st(ops.size());
    int comms = 0;
    bool core = false;
    for (std::size_t i = 0; i < ops.size(); ++i) {
        const OpSpec& op = ops[i];
        if (op.kind == OpKind::Communication) {
            ++comms;
            continue;
        }
        if (op.kind == OpKind::Attention) core = true;
        if (op.role == WeightRole::SharedExpert || comms >= 2)
            st[i] = Stage::Shared;
        else if (comms == 1)
            st[i] = Stage::Mlp;
        else
            st[i] = core ? Stage::Attn1 : Stage::Attn0;
    }
    return st;
}

int mtp_passes_for(const Scenario& s, const ModelSpec& model) {
    return s.workload.phase == Phase::Decode && model.num_mtp_modules > 0 && model.num_moe_layers() > 0
               ? s.workload.mtp_draft_tokens
               : 0;
}

ProgramKind program_kind_for(const Scenario& s) {
    const bool prefill = s.workload.phase == Phase::Prefill;
    return s.schedule.overlap == OverlapSchedule::Sequential          ? ProgramKind::Sequential
           : s.schedule.overlap == OverlapSchedule::DualPipeChunkPair ? ProgramKind::TrainingChunkPair
           : prefill                                                  ? ProgramKind::PrefillOverlap
                                                                      : ProgramKind::DecodeOverlap;
}

DeepEpMode comm_mode_for(const Scenario& s) {
    const bool prefill = s.workload.phase == Phase::Prefill;
    return s.network.all_to_all == AllToAllMode::Normal       ? DeepEpMode::Normal
           : s.network.all_to_all == AllToAllMode::LowLatency ? DeepEpMode::LowLatency
           : prefill                                          ? DeepEpMode::Normal
                                                              : DeepEpMode::LowLatency;
}

StepPlan plan_step(const Scenario& s, const ComputeModel& compute, const ProgressFn& progress) {
    const DeploymentUnit& unit = s.active_unit();
    const ModelSpec& full      = find_model(s.model.name);
    StepPlan p;
    p.model         = with_layers(full, s.model.num_dense_layers, s.model.num_moe_layers);
    p.num_gpus      = unit.ep_size;
    p.gpus_per_node = s.cluster.gpus_per_node;
    p.micro_batches = s.workload.micro_batches;
    p.num_dense     = p.model.num_dense_layers;
    p.num_mtp       = mtp_passes_for(s, p.model);
    p.num_moe       = p.model.num_moe_layers() + p.num_mtp;
    if (s.workload.mtp_draft_tokens > 0 && p.num_mtp == 0)
        p.notes.push_back("MTP module not run: the step simulates its layer in decode only");
    p.tp_size                 = unit.tp_size;
    const ProgramKind kind    = program_kind_for(s);
    p.program                 = build_program(kind, p.num_dense, p.num_moe, p.micro_batches, p.num_mtp);
    p.comm_mode               = comm_mode_for(s);
    p.comm_shape.hidden       = int(p.model.hidden_size);
    p.comm_shape.num_topk     = p.model.top_k;
    p.comm_shape.fp8_dispatch = s.precision.dispatch == Precision::Fp8E4m3;
    // Placement, fitted on the popularity the tokens are sampled from.
    // A dense model (no MoE layer) has nothing to place or route.
    const ExpertLoad pop = p.model.is_dense() ? ExpertLoad{} : expert_popularity(s, full, p.model);
    if (!p.model.is_dense()) {
        StepPlacement sp = place_step_experts(s, pop);
        p.placement_spec = sp.spec;
        p.shared_expert  = sp.shared_expert;
        p.placement      = std::move(sp.placement);
    }
    const int main_moe = p.num_moe - p.num_mtp;
    if (p.num_mtp > 0) { // the MTP passes use the last main MoE layer's placement (see the contract)
        std::vector<int> phy2log = p.placement.phy2log;
        const auto last          = p.placement.slots(main_moe - 1);
        for (int k = 0; k < p.num_mtp; ++k)
            phy2log.insert(phy2log.end(), last.begin(), last.end());
        p.placement =
            balancer::make_placement(p.num_moe, p.placement.num_experts, p.placement.num_slots, std::move(phy2log));
        p.notes.push_back("MTP: " + std::to_string(p.num_mtp) + " pass(es) of the MTP module as MoE layer(s) " +
                          std::to_string(p.num_layers() - p.num_mtp) + (p.num_mtp > 1 ? ".." : "") +
                          (p.num_mtp > 1 ? std::to_string(p.num_layers() - 1) : std::string()) +
                          " after the head, routed like the last main MoE layer");
    }
    if (p.shared_expert >= 0) {
        p.comm_shape.num_topk += 1; // every token also selects the shared expert
        p.notes.push_back("shared expert served from " + std::to_string(unit.shared_expert_slots) +
                          " dedicated slots as logical expert " + std::to_string(p.shared_expert) +
                          ": each token selects top-" + std::to_string(p.model.top_k) + " + 1");
    }

    // Batches and the tokens each GPU dispatches per micro-batch.
    p.ranks                      = make_rank_batches(s);
    const PassTokens pass_tokens = pass_tokens_of(p);
    for (const RankBatch& r : p.ranks)
        p.output_tokens += r.output_tokens;

    // Routing per MoE layer and micro-batch.
    GateSpec gate{p.model.num_routed_experts, s.routing.num_groups, s.routing.topk_groups, p.model.top_k};
    const balancer::DispatchFn dispatch = balancer::find_dispatch_policy(s.routing.replica_policy).dispatch;
    int64_t relaxed                     = 0;
    // Recorded loads: the layer's routed loads are held to the recording (popularity_fit.hpp).
    const bool fit = s.routing.popularity == ExpertPopularity::File;
    PopularityFitReport fit_report;
    for (int l = 0; l < p.num_moe; ++l) {
        std::optional<LayerGate> prepared; // the layer's gate tables, shared by its micro-batches
        // The popularity holds the main layers only: an MTP layer is routed, and held, like the last one.
        const int source = std::min(l, main_moe - 1);
        // A recorded row with no load (a layer the recording missed) has nothing to hold.
        const auto row  = pop.layer(source);
        const bool held = fit && std::any_of(row.begin(), row.end(), [](double x) { return x > 0; });
        for (int m = 0; m < p.micro_batches; ++m) {
            LayerRoutingInput in;
            in.gate           = gate;
            in.node_limit     = s.routing.node_limit;
            in.weights        = pop.layer(source);
            in.placement      = &p.placement;
            in.spec           = &p.placement_spec;
            in.layer          = l;
            in.dispatch       = dispatch;
            in.tokens_per_gpu = pass_tokens[std::size_t(std::max(0, l - main_moe))][std::size_t(m)];
            in.gpus_per_node  = p.gpus_per_node;
            in.seed           = s.seed;
            in.stream         = 0x70c0000ull + uint64_t(l) * 64 + uint64_t(m);
            in.shared_expert  = p.shared_expert;
            in.fit_samples    = held ? kFitSamples : 0;
            if (!prepared) prepared = prepare_layer(in);
            p.routing.push_back(route_layer(in, *prepared));
            relaxed += p.routing.back().node_limit_relaxed;
            if (progress && m + 1 == p.micro_batches)
                progress(0.5 * (l + 1) / p.num_moe,
                         "planned MoE layer " + std::to_string(l + 1) + "/" + std::to_string(p.num_moe));
        }
        if (prepared->control) add_layer_fit(fit_report, *prepared, pop.layer(source), p.routing, l, p.micro_batches);
    }
    if (!fit_report.tv_step.empty()) p.notes.push_back(describe(fit_report));
    p.replica_choice_s = replica_choice_seconds(s, p); // a batch-aware dispatch policy's own cost
    if (relaxed > 0)
        p.notes.push_back("node limit lifted for " + std::to_string(relaxed) +
                          " tokens that could not reach top-k "
                          "experts within " +
                          std::to_string(s.routing.node_limit) + " nodes");

    const int moe_sms = time_stages(p, s, compute, pass_tokens);
    if (kind == ProgramKind::TrainingChunkPair) fill_backward_stages(p, s, compute, moe_sms);
    if (s.offload.enabled) apply_offload(p, s, pop); // expert_offload_step.hpp: misses fetched or run on the CPU
    return p;
}

StepPlan restage_step(const StepPlan& routed, const Scenario& s, const ComputeModel& compute) {
    if (program_kind_for(s) == ProgramKind::TrainingChunkPair || s.offload.enabled)
        throw ConfigError("restage_step: a training step or an offloaded one is planned whole (plan_step)");
    StepPlan p = routed;
    p.ranks    = make_rank_batches(s);
    if (p.ranks.size() != routed.ranks.size())
        throw ConfigError("restage_step: the scenario has another DP size than the routed plan");
    const PassTokens pass_tokens = pass_tokens_of(p);
    if (pass_tokens != pass_tokens_of(routed))
        throw ConfigError("restage_step: the scenario's tokens per GPU and micro-batch differ from the routed plan's");
    p.output_tokens = 0;
    for (const RankBatch& r : p.ranks)
        p.output_tokens += r.output_tokens;
    time_stages(p, s, compute, pass_tokens);
    return p;
}

} // namespace moetwin::step
