// SPDX-License-Identifier: Apache-2.0
// The importer's core: attribution -> classification -> per-op measurement -> roofline prediction -> fit
// (calibrate.hpp). Printing and writing are in calibrate_output.cpp.
#include "sim/calibrate/calibrate.hpp"

#include "common/errors.hpp"
#include "engine/model_spec.hpp"
#include "engine/roofline.hpp"
#include "engine/training_ops.hpp"
#include "sim/network/deepep.hpp"
#include "sim/published/deepep_calibration.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <memory>
#include <numeric>
#include <set>

namespace moetwin::calib {
namespace {

double percentile(std::vector<double> v, double q) {
    std::sort(v.begin(), v.end());
    if (v.empty()) return 0;
    const double pos = q * double(v.size() - 1);
    const auto lo    = std::size_t(std::floor(pos));
    const auto hi    = std::min(lo + 1, v.size() - 1);
    return v[lo] + (v[hi] - v[lo]) * (pos - double(lo));
}

bool persistent_gemm(KernelFamily f) {
    return f == KernelFamily::GemmFp8 || f == KernelFamily::GroupedGemmFp8 || f == KernelFamily::WgradGemmFp8;
}

// SMs a compute kernel had: the device's, less the CTAs of DeepEP kernels running at the same time on
// other streams (one CTA per SM); a persistent GEMM runs on at most its grid's CTAs.
int kernel_sms(const ProfilerTrace& t, std::size_t k, const std::vector<std::optional<KernelFamily>>& fam,
               int device_sms) {
    const TraceKernel& x = t.kernels[k];
    int64_t held         = 0;
    for (std::size_t c = 0; c < t.kernels.size(); ++c) {
        if (!fam[c] || !is_deepep(*fam[c]) || t.kernels[c].stream == x.stream) continue;
        if (t.kernels[c].ts_us < x.end_us() && x.ts_us < t.kernels[c].end_us())
            held = std::max(held, t.kernels[c].ctas());
    }
    int sms = device_sms - int(std::min<int64_t>(held, device_sms - 1));
    if (fam[k] && persistent_gemm(*fam[k]) && x.ctas() > 0) sms = int(std::min<int64_t>(sms, x.ctas()));
    return sms;
}

// The first kernel's start as UTC (PyTorch traces count µs since the Unix epoch); "" when the timestamps are
// not epoch-based.
std::string trace_start_utc(const ProfilerTrace& t) {
    double first = INFINITY;
    for (const TraceKernel& k : t.kernels)
        first = std::min(first, k.ts_us);
    if (!(first > 1e15)) return ""; // before 2001: a relative clock
    const std::time_t secs = std::time_t(first / 1e6);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

int mode_fewest(const std::vector<int>& v) {
    std::map<int, int> count;
    for (int x : v)
        ++count[x];
    int best = 0, best_n = -1;
    for (const auto& [x, n] : count)
        if (n > best_n) best = x, best_n = n; // ascending keys: ties keep the smaller SM count
    return best;
}

// Bisection on the family's parameter so that the roofline's sum equals the measured sum.
EfficiencyFactor fit_factor(CalibrationFamily family, int sms, const std::vector<const OpRow*>& rows,
                            const GpuSpec& gpu) {
    EfficiencyFactor f;
    f.family  = family;
    f.num_sms = sms;
    RooflineEfficiency base;
    f.default_value  = fitted_field(base, family);
    const auto total = [&](double value) {
        auto file = std::make_shared<CalibrationFile>();
        file->factors.push_back({.family = family, .num_sms = sms, .value = value});
        const RooflineModel m(gpu, {}, file);
        double s = 0;
        for (const OpRow* r : rows)
            s += m.op_time(r->spec, r->shape, sms).seconds * 1e6;
        return s;
    };
    for (const OpRow* r : rows) {
        f.measured_us += r->median_us;
        f.roofline_default_us += r->twin_us;
        f.fitted_from.push_back({.op          = r->op,
                                 .stage       = r->stage,
                                 .occurrences = int(r->times_us.size()),
                                 .kernels     = r->kernels,
                                 .median_us   = r->median_us});
    }
    double lo = 1e-3, hi = 1.0;
    if (total(hi) > f.measured_us) {
        f.value   = hi;
        f.clamped = true;
        return f;
    }
    for (int i = 0; i < 60; ++i) {
        const double mid                       = 0.5 * (lo + hi);
        (total(mid) > f.measured_us ? lo : hi) = mid;
    }
    f.value = 0.5 * (lo + hi);
    return f;
}

} // namespace

double StageRow::mean_span_us() const {
    return span_us.empty() ? 0 : std::accumulate(span_us.begin(), span_us.end(), 0.0) / double(span_us.size());
}

OpShape traced_shape(const Scenario& s) {
    if (s.workload.phase != Phase::Prefill)
        throw ConfigError(s.source.string() + ": workload.phase: calibration needs the traced run as a prefill "
                                              "scenario (training's forward runs whole sequences), got decode");
    const DeploymentUnit& u = s.active_unit();
    const ModelSpec& model  = find_model(s.model.name);
    OpShape shape;
    shape.phase                    = Phase::Prefill;
    shape.num_tokens               = s.workload.tokens_per_gpu;
    shape.kv_len                   = s.workload.context_tokens;
    shape.query_tokens_per_request = s.workload.context_tokens;
    shape.num_requests             = std::max<int64_t>(1, s.workload.tokens_per_gpu / s.workload.context_tokens);
    shape.num_local_experts        = u.routed_experts_per_gpu;
    shape.tokens_per_expert        = s.workload.tokens_per_gpu * model.top_k / u.routed_experts_per_gpu;
    shape.received_tokens          = int64_t(std::llround(expected_received_tokens(s)));
    shape.attn_tp_size             = u.tp_size;
    shape.weight_precision         = s.precision.dense_weights;
    shape.kv_precision             = s.precision.kv_cache;
    shape.dispatch_precision       = s.precision.dispatch;
    shape.validate();
    return shape;
}

double expected_nodes_per_token(const Scenario& s) {
    const DeploymentUnit& u = s.active_unit();
    const ModelSpec& model  = find_model(s.model.name);
    const int nodes         = u.num_nodes;
    const int experts       = model.num_routed_experts + u.redundant_experts;
    const int per_node      = experts / nodes;
    const int k             = model.top_k;
    const bool aligned      = s.routing.num_groups == nodes;
    const int groups        = aligned ? std::min({s.routing.topk_groups, s.routing.node_limit, nodes}) : nodes;
    const int pool          = groups * per_node;
    double miss             = 1; // P(a given node of the pool gets none of the k picks)
    for (int i = 0; i < k; ++i)
        miss *= double(pool - per_node - i) / double(pool - i);
    return double(groups) * (1.0 - std::max(0.0, miss));
}

// The network model's rate (DeepEP tests' metric, GB/s) for a normal-mode kernel alone at the traced
// setting: DeepEP's test traffic (4096 tokens per GPU, node-limited top-8) at the unit's EP size, with the
// scenario's fabric, generation and calibration, on the kernel's SMs; the fluid model in-process.
static double model_rate_GBps(const Scenario& s, CommDirection dir, int sms) {
    CalibrationSetup setup    = setup_for(s.network.deepep);
    setup.fabric              = s.cluster.fabric;
    setup.network.calibration = s.network.calibration;
    setup.use_simgrid         = false;
    setup.comm_sms            = sms > 0 ? sms : s.schedule.comm_sms;
    setup.seed                = s.seed;
    const PublishedRow row{DeepEpMode::Normal, dir, s.active_unit().ep_size, 0, 0, "in situ"};
    const std::vector<moetwin::CalibrationResult> r = run_calibration(setup, std::span<const PublishedRow>(&row, 1));
    return r.empty() ? 0 : r.front().simulated_GBps;
}

double expected_received_tokens(const Scenario& s) {
    const DeploymentUnit& u = s.active_unit();
    const ModelSpec& model  = find_model(s.model.name);
    const int experts       = model.num_routed_experts + u.redundant_experts;
    const int per_gpu       = u.routed_experts_per_gpu;
    const int nodes         = u.num_nodes;
    const bool aligned      = s.routing.num_groups == nodes;
    const int groups        = aligned ? std::min({s.routing.topk_groups, s.routing.node_limit, nodes}) : nodes;
    const int pool          = groups * (experts / nodes);
    double miss             = 1; // P(none of the k picks lands on the GPU's experts | its node is in the pool)
    for (int i = 0; i < model.top_k; ++i)
        miss *= double(pool - per_gpu - i) / double(pool - i);
    const double p = double(groups) / double(nodes) * (1.0 - std::max(0.0, miss));
    return double(s.workload.tokens_per_gpu) * double(u.ep_size) * p;
}

CalibrationResult calibrate_trace(const ProfilerTrace& t, const Scenario& s, std::span<const RecipeEntry> recipe,
                                  const std::string& generator) {
    const ModelSpec& model = find_model(s.model.name);
    const OpShape shape    = traced_shape(s);
    std::map<std::string, OpSpec> specs;
    for (const OpSpec& op : model.moe_layer_ops)
        specs.emplace(op.name, op);
    for (const OpSpec& op : make_training_ops(model))
        specs.emplace(op.name, op);
    for (const RecipeEntry& e : recipe)
        if (!specs.count(std::string(e.op)))
            throw ConfigError(s.source.string() + ": model " + s.model.name + " has no op \"" + std::string(e.op) +
                              "\" that the training recipe maps " + std::string(e.stage) + " kernels to");

    CalibrationResult r;
    r.trace         = t.origin;
    r.device_sms    = t.device_sms > 0 ? t.device_sms : s.gpu.num_sms;
    r.kernels_total = int(t.kernels.size());
    std::vector<std::optional<KernelFamily>> fam(t.kernels.size());
    for (std::size_t k = 0; k < t.kernels.size(); ++k)
        fam[k] = classify_kernel(t.kernels[k].name);
    const Attribution att = attribute_kernels(t);
    r.kernels_attributed  = r.kernels_total - int(att.unattributed.size());

    struct Acc { // one op over its occurrences
        std::vector<double> times;
        std::vector<int> sms;
        int kernels = 0;
        std::set<std::string> families;
    };
    std::map<std::pair<std::string, std::string>, Acc> ops; // (stage, op)
    std::vector<std::pair<std::string, std::string>> op_order;
    std::map<std::pair<std::string, int>, GlueRow> glue;
    std::map<std::pair<std::string, std::string>, UnclassifiedRow> unclassified;
    std::map<std::pair<std::string, int>, std::vector<double>> deepep; // (stage, family) -> durations
    std::map<std::pair<std::string, int>, int> deepep_sms;
    std::map<std::string, StageRow> stages;
    std::vector<std::string> stage_order;
    std::map<std::string, int> occurrences;

    for (const StageOccurrence& so : att.stages) {
        if (!stages.count(so.name)) stage_order.push_back(so.name), stages[so.name].name = so.name;
        StageRow& row = stages[so.name];
        row.span_us.push_back(so.span_us());
        row.busy_us.push_back(so.busy_us);
        ++occurrences[so.name];
        std::map<int, int> ordinal;
        std::map<std::string, std::vector<std::pair<double, double>>> op_iv;
        std::map<std::string, std::vector<int>> op_sms;
        std::optional<double> busy_until; // latest end of the occurrence's earlier kernels (kernels by start)
        for (std::size_t k : so.kernels) {
            const TraceKernel& x = t.kernels[k];
            // A kernel that starts while none of the stage's kernels runs is charged the idle time before it
            // (the launch gap it waited for): the stage's ops and glue then add up to its span, as the
            // roofline's kernel_overhead_s charges every kernel its launch. A second stream waiting on the
            // first (mlp(W)) is not idle time of the stage and is charged nothing.
            const double begin = busy_until ? std::min(x.ts_us, *busy_until) : x.ts_us;
            busy_until         = std::max(busy_until.value_or(x.end_us()), x.end_us());
            if (!fam[k]) {
                UnclassifiedRow& u = unclassified[{so.name, x.name}];
                u.name             = x.name.substr(0, 120);
                u.stage            = so.name;
                ++u.count;
                u.total_us += x.dur_us;
                continue;
            }
            const int n = ++ordinal[int(*fam[k])];
            if (is_deepep(*fam[k])) {
                deepep[{so.name, int(*fam[k])}].push_back(x.dur_us);
                deepep_sms[{so.name, int(*fam[k])}] = int(x.ctas());
                continue;
            }
            const std::string op(recipe_op(recipe, so.name, *fam[k], n));
            if (op.empty()) {
                GlueRow& g = glue[{so.name, int(*fam[k])}];
                g.stage    = so.name;
                g.family   = *fam[k];
                ++g.kernels;
                g.mean_us += x.end_us() - begin;
                continue;
            }
            op_iv[op].emplace_back(begin, x.end_us());
            op_sms[op].push_back(kernel_sms(t, k, fam, r.device_sms));
            Acc& a = ops[{so.name, op}];
            if (a.times.empty() && a.kernels == 0) op_order.emplace_back(so.name, op);
            ++a.kernels;
            a.families.insert(std::string(to_string(*fam[k])));
        }
        for (auto& [op, iv] : op_iv) {
            Acc& a = ops[{so.name, op}];
            a.times.push_back(union_length_us(iv));
            a.sms.push_back(*std::min_element(op_sms[op].begin(), op_sms[op].end()));
        }
    }
    for (const auto& u : att.unattributed) {
        const TraceKernel& x = t.kernels[u];
        UnclassifiedRow& row = unclassified[{"(none)", x.name}];
        row.name             = x.name.substr(0, 120);
        row.stage            = "(none)";
        ++row.count;
        row.total_us += x.dur_us;
    }

    const RooflineModel roofline(s.gpu);
    for (const auto& key : op_order) {
        const Acc& a = ops[key];
        OpRow o;
        o.stage   = key.first;
        o.op      = key.second;
        o.spec    = specs.at(o.op);
        o.shape   = shape;
        o.family  = calibration_family(o.spec, shape);
        o.num_sms = mode_fewest(a.sms);
        for (const std::string& f : a.families)
            o.kernel_family += (o.kernel_family.empty() ? "" : "+") + f;
        o.times_us  = a.times;
        o.kernels   = a.kernels;
        o.median_us = percentile(a.times, 0.5);
        o.p10_us    = percentile(a.times, 0.1);
        o.p90_us    = percentile(a.times, 0.9);
        o.twin_us   = roofline.op_time(o.spec, shape, o.num_sms).seconds * 1e6;
        r.ops.push_back(std::move(o));
    }

    // Fit one factor per (family, SM count).
    std::map<std::pair<int, int>, std::vector<const OpRow*>> groups;
    for (const OpRow& o : r.ops)
        if (o.family) groups[{int(*o.family), o.num_sms}].push_back(&o);
    CalibrationFile& cal = r.calibration;
    cal.trace            = std::filesystem::path(t.origin).filename().string();
    cal.gpu              = t.device_name;
    cal.gpu_num_sms      = r.device_sms;
    cal.scenario         = s.name;
    cal.generator        = generator;
    for (const auto& [key, rows] : groups)
        cal.factors.push_back(fit_factor(CalibrationFamily(key.first), key.second, rows, s.gpu));
    const RooflineModel calibrated(s.gpu, {}, std::make_shared<CalibrationFile>(cal));
    for (OpRow& o : r.ops)
        o.twin_calibrated_us = calibrated.op_time(o.spec, o.shape, o.num_sms).seconds * 1e6;

    // DeepEP in situ: DeepEP tests' RDMA metric per GPU over the kernel's median time.
    const double nodes = expected_nodes_per_token(s);
    const DeepEpShape ep{.hidden       = int(model.hidden_size),
                         .num_topk     = model.top_k,
                         .fp8_dispatch = s.precision.dispatch == Precision::Fp8E4m3};
    for (const auto& [key, durs] : deepep) {
        const auto family = KernelFamily(key.second);
        DeepEpInSitu d;
        d.stage     = key.first;
        d.kernel    = std::string(to_string(family));
        d.num_sms   = deepep_sms[key];
        d.kernels   = int(durs.size());
        d.median_us = percentile(durs, 0.5);
        if (family == KernelFamily::DeepEpDispatch || family == KernelFamily::DeepEpCombine) {
            const auto dir = family == KernelFamily::DeepEpDispatch ? CommDirection::Dispatch : CommDirection::Combine;
            const double per = normal_metric_bytes_per_token(ep, dir);
            d.bytes_per_gpu  = double(shape.num_tokens) * nodes * per;
            char buf[400];
            std::snprintf(buf, sizeof buf,
                          "num_tokens (%lld) x expected nodes per token (%.4f, uniform routing: "
                          "expected_nodes_per_token) x normal_metric_bytes_per_token (%.0f B, %s; DeepEP tests' RDMA "
                          "metric, sim/network/deepep.hpp)",
                          (long long)shape.num_tokens, nodes, per,
                          dir == CommDirection::Dispatch ? (ep.fp8_dispatch ? "FP8" : "BF16") : "BF16");
            d.bytes_formula = buf;
            d.GBps          = d.bytes_per_gpu / (d.median_us * 1e-6) / 1e9;
            d.model_GBps    = model_rate_GBps(s, dir, d.num_sms);
            d.rate_share    = d.model_GBps > 0 ? d.GBps / d.model_GBps : 0;
        } else {
            d.bytes_formula = "none: a notify/layout kernel moves no payload";
        }
        cal.deepep.push_back(std::move(d));
    }

    for (const std::string& name : stage_order) {
        StageRow row   = stages[name];
        const double n = double(occurrences[name]);
        for (const OpRow& o : r.ops)
            if (o.stage == name) {
                row.ops_measured_us += std::accumulate(o.times_us.begin(), o.times_us.end(), 0.0) / n;
                row.twin_us += o.twin_us;
                row.twin_calibrated_us += o.twin_calibrated_us;
            }
        for (const auto& [key, g] : glue)
            if (key.first == name) row.glue_us += g.mean_us / n;
        for (const auto& [key, u] : unclassified)
            if (key.first == name) row.unclassified_us += u.total_us / n;
        for (const auto& [key, durs] : deepep)
            if (key.first == name) row.comm_us += std::accumulate(durs.begin(), durs.end(), 0.0) / n;
        r.stages.push_back(std::move(row));
    }
    for (auto& [key, g] : glue) {
        g.mean_us /= double(occurrences[key.first]);
        r.glue.push_back(g);
    }
    for (const auto& [key, u] : unclassified)
        r.unclassified.push_back(u);

    // Profile records, one file per SM count.
    r.main_profile_sms = s.schedule.compute_sms;
    for (const OpRow& o : r.ops) {
        ProfileFile& f = r.profiles[o.num_sms];
        if (f.model.empty()) {
            f.model       = s.model.name;
            f.generator   = generator;
            f.created_utc = trace_start_utc(t); // when the trace was taken: deterministic output
            f.timing      = {.warmup = 0, .repeats = int(o.times_us.size()), .l2_flush = false, .input_sets = 1};
        }
        OpProfile p;
        p.op           = o.op;
        p.impl         = "trace:" + o.kernel_family;
        p.shape        = o.shape;
        p.median_s     = o.median_us * 1e-6;
        p.p10_s        = o.p10_us * 1e-6;
        p.p90_s        = o.p90_us * 1e-6;
        p.samples      = int(o.times_us.size());
        p.gpu          = t.device_name.empty() ? s.gpu.display_name : t.device_name;
        p.num_sms      = o.num_sms;
        p.cuda_runtime = "unknown (profiler trace)";
        p.cuda_driver  = "unknown (profiler trace)";
        f.records.push_back(std::move(p));
    }
    return r;
}

} // namespace moetwin::calib
