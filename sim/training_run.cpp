// SPDX-License-Identifier: Apache-2.0
#include "sim/training_run.hpp"

#include "common/errors.hpp"
#include "engine/model_flops.hpp"
#include "engine/roofline.hpp"
#include "engine/training_ops.hpp"
#include "sim/network/subprocess.hpp"
#include "sim/preflight.hpp"
#include "sim/run.hpp"
#include "sim/step/training_chunk_times.hpp"
#include "sim/training_fabric.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

namespace moetwin {
namespace {

using step::ChunkTimes;

// First layer of each stage, and the stage's (dense, MoE) layer counts; the last stage's MTP MoE layer included.
struct StageLayers {
    int first = 0, dense = 0, moe = 0;
};
std::vector<StageLayers> stage_layers(const ModelSpec& m, const TrainingConfig& t) {
    std::vector<StageLayers> out;
    int first = 0;
    for (int n : t.layers_per_stage) {
        StageLayers s{first, 0, 0};
        for (int L = first; L < first + n; ++L)
            (L < m.num_dense_layers ? s.dense : s.moe) += 1;
        out.push_back(s);
        first += n;
    }
    out.back().moe += m.num_mtp_modules;
    return out;
}

// Compute-only part of a chunk pair: per GPU the compute-lane seconds of the forward chunk (micro-batch 0),
// of the backward chunk's input-gradient stages and of its weight-gradient stages; the largest over GPUs.
ChunkTimes compute_from_trace(const step::StepTrace& trace) {
    std::map<int, ChunkTimes> by_gpu;
    for (const step::ExecSpan& s : trace.spans) {
        if (s.lane != Lane::Compute) continue;
        ChunkTimes& g  = by_gpu[s.gpu];
        const double d = s.end_s - s.begin_s;
        if (s.stage == step::Stage::AttnW || s.stage == step::Stage::MlpW)
            g.w_s += d;
        else if (s.stage == step::Stage::AttnB || s.stage == step::Stage::MlpB)
            g.b_s += d;
        else if (s.micro_batch == 0)
            g.f_s += d;
    }
    ChunkTimes t;
    for (const auto& [gpu, g] : by_gpu) {
        t.f_s = std::max(t.f_s, g.f_s);
        t.b_s = std::max(t.b_s, g.b_s);
        t.w_s = std::max(t.w_s, g.w_s);
    }
    t.fb_s = t.f_s + t.b_s + t.w_s;
    return t;
}

} // namespace

Scenario training_chunk_scenario(const Scenario& s, int moe) {
    Scenario c                  = s;
    c.training                  = std::nullopt;
    c.model.num_dense_layers    = 0;
    c.model.num_moe_layers      = moe;
    c.cluster.num_nodes         = s.deployment.prefill->num_nodes;
    c.allow_not_fitting         = true; // training memory is checked by the parser (training_memory)
    c.workload.mtp_draft_tokens = 0;
    return c;
}

std::vector<int> training_chunk_kinds(const Scenario& s) {
    const ModelSpec model = with_layers(find_model(s.model.name), s.model.num_dense_layers, s.model.num_moe_layers);
    std::set<int> kinds;
    for (const StageLayers& l : stage_layers(model, *s.training))
        if (l.moe > 0) kinds.insert(l.moe);
    return {kinds.begin(), kinds.end()};
}

namespace {

// Seconds of the compute-model ops of `ops` at one sequence: forward, input gradient, weight gradient.
ChunkTimes op_list_times(const std::vector<OpSpec>& ops, const std::vector<OpSpec>& train, const Scenario& s,
                         const ComputeModel& compute, int sms) {
    const int64_t seq = s.training->sequence_tokens;
    OpShape shape;
    shape.phase                    = Phase::Prefill;
    shape.num_tokens               = seq;
    shape.num_requests             = 1;
    shape.kv_len                   = seq;
    shape.query_tokens_per_request = seq;
    shape.kv_precision             = s.precision.kv_cache;
    shape.dispatch_precision       = s.precision.dispatch;
    shape.weight_precision         = s.precision.dense_weights;
    ChunkTimes t;
    std::set<std::string_view> names;
    for (const OpSpec& op : ops) {
        if (op.kind == OpKind::Communication || !runs_in(op, Phase::Prefill) || op.name == "sampling") continue;
        names.insert(op.name);
        const double f = compute.op_time(op, shape, sms).seconds;
        t.f_s += f;
        const bool has_training_op =
            std::any_of(train.begin(), train.end(), [&](const OpSpec& x) { return forward_op_of(x.name) == op.name; });
        if (!has_training_op) { // the GEMM transposed for each gradient; a weightless op's backward as its forward
            t.b_s += f;
            if (op.params_per_instance > 0) t.w_s += f;
        }
    }
    for (const OpSpec& op : train) {
        if (!names.count(forward_op_of(op.name)) || op.pass == OpPass::Forward) continue;
        (op.pass == OpPass::WeightGrad ? t.w_s : t.b_s) += compute.op_time(op, shape, sms).seconds;
    }
    t.fb_s = t.f_s + t.b_s + t.w_s;
    return t;
}

void add(ChunkTimes& a, const ChunkTimes& b) {
    a.f_s += b.f_s;
    a.b_s += b.b_s;
    a.w_s += b.w_s;
    a.fb_s += b.fb_s;
}

// Bytes the chunk pair's all-to-alls send out of each GPU's NIC (IB access links, NIC -> leaf), per GPU and per
// chunk: the pair's total over the GPUs, halved (the simulated pair sends the same traffic for its forward and
// its backward chunk).
double nic_bytes_per_chunk(const Topology& topo, const step::StepTrace& trace) {
    double sum = 0;
    for (std::size_t l = 0; l < topo.num_links(); ++l)
        if (topo.link(LinkId(l)).kind == LinkKind::IbAccess && 2 * l < trace.link_bytes.size())
            sum += trace.link_bytes[2 * l];
    return sum / double(topo.num_gpus()) / 2.0;
}

std::string format_pair(const ChunkTimes& t, const ChunkTimes& c, double nic_bytes) {
    std::ostringstream o;
    o.precision(17);
    o << nic_bytes << ' ' << t.f_s << ' ' << t.b_s << ' ' << t.w_s << ' ' << t.fb_s << ' ' << c.f_s << ' ' << c.b_s
      << ' ' << c.w_s << ' ' << c.fb_s;
    return o.str();
}

} // namespace

std::vector<StageChunks> training_stage_chunks(const Scenario& s, const ProgressFn& progress) {
    MOETWIN_ASSERT(s.training.has_value(), "training_stage_chunks needs a training scenario");
    const TrainingConfig& t = *s.training;
    const ModelSpec model   = with_layers(find_model(s.model.name), s.model.num_dense_layers, s.model.num_moe_layers);
    const std::vector<StageLayers> layers = stage_layers(model, t);

    // 1. One simulated chunk pair per distinct MoE-layer count, each in a child (one SimGrid engine per process).
    std::map<int, std::pair<ChunkTimes, ChunkTimes>> pairs;
    std::map<int, double> nic_bytes;
    for (int moe : training_chunk_kinds(s))
        pairs[moe];
    int done = 0;
    for (auto& [moe, pair] : pairs) {
        if (progress)
            progress(0.9 * done / double(pairs.size()), "chunk pair of " + std::to_string(moe) + " MoE layers");
        const Scenario c = training_chunk_scenario(s, moe);
        std::istringstream in(run_in_child([&c] {
            const RunPlan plan          = plan_run(c);
            const step::StepTrace trace = execute_run(plan);
            return format_pair(step::chunk_times_from_trace(trace), compute_from_trace(trace),
                               nic_bytes_per_chunk(*plan.topology, trace));
        }));
        in >> nic_bytes[moe] >> pair.first.f_s >> pair.first.b_s >> pair.first.w_s >> pair.first.fb_s >>
            pair.second.f_s >> pair.second.b_s >> pair.second.w_s >> pair.second.fb_s;
        ++done;
    }

    // 2. Stage extras from the roofline (dense layers, embedding, head, MTP projections).
    const RooflineModel roofline(s.gpu, {}, load_calibration_for(s));
    const std::vector<OpSpec> train = make_training_ops(model);
    const int sms                   = s.schedule.compute_sms;
    const ChunkTimes dense          = op_list_times(model.dense_layer_ops, train, s, roofline, sms);
    const ChunkTimes embed          = op_list_times(model.embedding_ops, train, s, roofline, sms);
    const ChunkTimes head           = op_list_times(model.head_ops, train, s, roofline, sms);
    ChunkTimes mtp;
    for (int d = 0; d < model.num_mtp_modules; ++d) {
        add(mtp, op_list_times(model.mtp_ops, train, s, roofline, sms));
        add(mtp, op_list_times(model.mtp_head_ops, train, s, roofline, sms));
    }
    std::vector<StageChunks> out;
    for (std::size_t k = 0; k < layers.size(); ++k) {
        StageChunks st;
        st.moe_layers   = layers[k].moe;
        st.dense_layers = layers[k].dense;
        if (st.moe_layers > 0) {
            std::tie(st.total, st.compute) = pairs.at(st.moe_layers);
            st.nic_bytes_per_chunk         = nic_bytes.at(st.moe_layers);
        }
        ChunkTimes extra;
        for (int i = 0; i < st.dense_layers; ++i)
            add(extra, dense);
        if (k == 0) add(extra, embed);
        if (k + 1 == layers.size()) {
            add(extra, head);
            add(extra, mtp);
        }
        add(st.total, extra);
        add(st.compute, extra);
        out.push_back(st);
    }
    if (progress) progress(0.9, "pipeline");
    return out;
}

TrainingResult assemble_training(const Scenario& s, const std::vector<StageChunks>& stages) {
    const TrainingConfig& t = *s.training;
    const ModelSpec model   = with_layers(find_model(s.model.name), s.model.num_dense_layers, s.model.num_moe_layers);
    const int pp            = t.pp_size;
    const int per_stage     = t.num_gpus / pp;
    const int ep            = s.deployment.prefill->ep_size;
    MOETWIN_ASSERT(per_stage * pp == t.num_gpus && per_stage % ep == 0, "training: stages of whole EP groups");

    // 3. One PP transfer: a sequence's BF16 activations (forward) or gradients (backward).
    const double p2p_bytes = double(t.sequence_tokens) * double(model.hidden_size) * 2.0;

    // 5 (its inputs). Per rank: the parameters it syncs and the optimizer step from the HBM roofline.
    const double hbm_Bps = s.gpu.hbm_bandwidth_Bps * RooflineEfficiency{}.gemm_memory;
    const int dp_o = t.attention_dp(), dp_r = t.dp_size;
    step::DpSyncSpec dp;
    dp.pp             = pp;
    dp.gpus_per_stage = per_stage;
    dp.ep_size        = ep;
    dp.gpus_per_node  = s.cluster.gpus_per_node;
    for (int rank = 0; rank < pp; ++rank) {
        std::vector<int> held = {rank};
        if (t.schedule == PipelineSchedule::DualPipe && pp - 1 - rank != rank) held.push_back(pp - 1 - rank);
        const RankParams p = rank_params(model, t, ep, held);
        dp.routed_params.push_back(double(p.routed_local));
        dp.other_params.push_back(double(p.other));
        const double shard = double(p.routed_local) / dp_r + double(p.other) / dp_o;
        dp.optimizer_s.push_back(22.0 * shard / hbm_Bps);
    }

    // 4. The pipeline's programs on SimGrid actors, PP transfers and the DP sync as flows over the fabric.
    std::vector<ChunkTimes> total, compute;
    std::vector<double> nic_bytes;
    for (const StageChunks& st : stages) {
        total.push_back(st.total);
        compute.push_back(st.compute);
        nic_bytes.push_back(st.nic_bytes_per_chunk);
    }
    const step::PipelinePrograms programs = step::build_pipeline_programs(t.schedule, pp, t.micro_batches);
    const StepOnFabric fab                = simulate_step_on_fabric(s, programs, total, dp, p2p_bytes, nic_bytes);
    std::vector<std::vector<step::PipeSpan>> pspans{std::size_t(pp)};
    for (int r = 0; r < pp; ++r) {
        const auto ri = std::size_t(r);
        MOETWIN_ASSERT(fab.begin_s[ri].size() == programs.ranks[ri].size(), "training step: every op ran");
        for (std::size_t i = 0; i < programs.ranks[ri].size(); ++i)
            pspans[ri].push_back({r, programs.ranks[ri][i], fab.begin_s[ri][i], fab.end_s[ri][i]});
    }
    const step::PipelineRun run = step::finish_pipeline_run(pspans, fab.rank_end_s);

    TrainingResult r;
    r.scenario_name   = s.name;
    r.schedule        = std::string(to_string(t.schedule));
    r.pp_size         = pp;
    r.micro_batches   = t.micro_batches;
    r.num_gpus        = t.num_gpus;
    r.tokens_per_step = t.global_batch_sequences * t.sequence_tokens;
    r.pipeline_s      = run.step_s;
    r.p2p_s           = fab.p2p_alone_s;
    r.scenario_json   = canonical_json_object(scenario_to_json(s));

    // 5. Per rank: shares of its pipeline time, then DP sync and the optimizer (latest GPU of the stage).
    r.ranks.resize(std::size_t(pp));
    for (const step::PipeSpan& sp : run.spans) {
        TrainingRank& k = r.ranks[std::size_t(sp.rank)];
        const double d  = sp.end_s - sp.begin_s;
        const double cp = step::op_seconds(sp.op, sp.rank, pp, compute);
        k.compute_s += cp;
        k.exposed_comm_s += d - cp;
        std::ostringstream name;
        name << sp.op;
        r.spans.push_back({sp.rank, name.str(), sp.begin_s, sp.end_s});
    }
    for (int rank = 0; rank < pp; ++rank) {
        const auto ri        = std::size_t(rank);
        TrainingRank& k      = r.ranks[ri];
        k.rank               = rank;
        k.layers             = t.layers_per_stage[ri];
        k.moe_layers         = stages[ri].moe_layers;
        const ChunkTimes& ct = total[ri];
        k.f_s = ct.f_s, k.b_s = ct.b_s, k.w_s = ct.w_s, k.fb_s = ct.fb_s;
        k.bubble_s         = run.bubble_s[ri];
        k.peak_live_chunks = run.peak_live[ri];
        k.optimizer_s      = dp.optimizer_s[ri];
        const double start = fab.dp.start_s[ri], rs_end = fab.dp.reduce_scatter_end_s[ri];
        const double ag_begin = rs_end + k.optimizer_s, end = fab.dp.all_gather_end_s[ri];
        k.dp_sync_s = (rs_end - start) + (end - ag_begin);
        r.spans.push_back({rank, "reduce_scatter", start, rs_end});
        r.spans.push_back({rank, "optimizer", rs_end, ag_begin});
        r.spans.push_back({rank, "all_gather", ag_begin, end});
        k.end_s  = end;
        r.step_s = std::max(r.step_s, k.end_s);
    }
    std::stable_sort(r.spans.begin(), r.spans.end(), [](const TrainingSpan& a, const TrainingSpan& b) {
        return a.rank != b.rank ? a.rank < b.rank : a.begin_s < b.begin_s;
    });
    r.tokens_per_s = double(r.tokens_per_step) / r.step_s;
    r.mfu          = training_flops_per_token(model, t.sequence_tokens) * r.tokens_per_s /
            (double(t.num_gpus) * s.gpu.peak_flops_bf16);
    r.gpu_hours_per_trillion_tokens = double(t.num_gpus) * r.step_s / 3600.0 * 1e12 / double(r.tokens_per_step);
    validate(r);
    return r;
}

TrainingResult run_training(const Scenario& s, const ProgressFn& progress) {
    return assemble_training(s, training_stage_chunks(s, progress));
}

} // namespace moetwin
