// SPDX-License-Identifier: Apache-2.0
// The run pipeline: plan_run (compute model, memory fit, the step plan of sim/step/step_plan.hpp,
// the cluster, the notes), execute_run (sim/step/step_executor.hpp) and assemble_run
// (sim/step/step_result.hpp).
#include "sim/run.hpp"

#include "common/errors.hpp"
#include "common/wall_clock.hpp"
#include "engine/model_spec.hpp"
#include "engine/profile.hpp"
#include "engine/roofline.hpp"
#include "sim/preflight.hpp" // load_calibration_for, load_profile_for
#include "sim/scenario_fit.hpp"
#include "sim/step/step_result.hpp"
#include "topologies/cluster_builder.hpp"

#include <cstdio>

namespace moetwin {
namespace {

// "profile" when every op lookup hit measured records, "roofline" when none did, else "mixed";
// and the note with the counts (lookups are per distinct op and shape: plan_step caches them).
std::string profile_note(const ProfileTable& t, std::string& source) {
    int64_t exact = 0, interpolated = 0, fallback = 0;
    std::string first;
    for (const auto& [op, st] : t.stats()) {
        exact += st.exact;
        interpolated += st.interpolated;
        fallback += st.fallback;
        if (first.empty() && st.fallback > 0) first = op + ": " + st.first_fallback;
    }
    const int64_t measured = exact + interpolated;
    source                 = fallback == 0 ? "profile" : measured == 0 ? "roofline" : "mixed";
    return "compute: " + t.describe() + ": " + std::to_string(measured) + " op lookups measured (" +
           std::to_string(exact) + " exact, " + std::to_string(interpolated) + " interpolated), " +
           std::to_string(fallback) + " fell back to the roofline" + (first.empty() ? "" : " (first: " + first + ")");
}

} // namespace

RunPlan plan_run(const Scenario& s, const ProgressFn& progress) {
    const RooflineModel roofline(s.gpu, {}, load_calibration_for(s));
    const std::unique_ptr<ProfileTable> profile = load_profile_for(s, roofline);
    if (progress) progress(0.0, "planning");
    const FitReport fit = fit_unit(s, s.workload.phase);
    // A deployment that does not fit in HBM would not run: refuse it unless the user asks for it.
    if (!fit.fits && !s.allow_not_fitting)
        throw ConfigError(s.source.string() + ": " + std::string(to_string(s.workload.phase)) +
                          " unit, GPU memory: " + fit.reason +
                          " (set \"allow_not_fitting\": true or run with --allow-not-fitting to simulate it anyway)");
    RunPlan p;
    p.step = step::plan_step(s, profile ? static_cast<const ComputeModel&>(*profile) : roofline, progress);
    const step::StepPlan& plan = p.step;

    p.scenario_json   = canonical_json_object(scenario_to_json(s));
    RunMeta& m        = p.meta;
    m.moetwin_version = MOETWIN_VERSION;
    m.scenario        = s.name;
    m.model           = s.model.name;
    m.phase           = std::string(to_string(s.workload.phase));
    m.seed            = s.seed;
    m.compute_source  = "roofline";
    m.network_model   = s.network.simgrid_model;
    if (profile)
        m.notes.push_back(profile_note(*profile, m.compute_source));
    else
        m.notes.push_back("compute: " + roofline.describe());
    {
        char margin[160];
        std::snprintf(margin, sizeof margin, "%.2f GiB %s per GPU, largest batch %lld %s",
                      double(fit.free_bytes < 0 ? -fit.free_bytes : fit.free_bytes) / double(1ll << 30),
                      fit.free_bytes < 0 ? "short" : "free", (long long)fit.max_batch, fit.batch_unit());
        m.notes.push_back(fit.fits ? std::string("memory fit: fits, ") + margin
                                   : "memory fit: " + fit.reason + "; " + margin +
                                         "; simulated because allow_not_fitting is set");
    }
    m.notes.push_back(std::string("network: ") +
                      (s.network.backend == CommBackend::SimGridFlows ? "SimGrid flows (reference)"
                                                                      : "fluid (calibrated to DeepEP)") +
                      ", " + std::string(to_string(plan.comm_mode)) + " all-to-all" + ", DeepEP " +
                      std::string(to_string(s.network.deepep)) + ", SimGrid " + s.network.simgrid_model);
    m.notes.push_back("schedule: " + std::string(to_string(s.schedule.overlap)));
    for (const auto& note : plan.notes)
        m.notes.push_back(note);
    p.hbm_used_bytes =
        fit.weight_bytes + fit.kv_bytes + fit.comm_buffer_bytes + fit.activation_bytes + fit.reserve_bytes;

    p.topology                  = std::make_unique<const Topology>(build_cluster(s.cluster));
    p.router                    = std::make_unique<const Router>(*p.topology);
    p.exec                      = step::exec_options_for(s);
    const auto shares           = step::in_situ_rate_shares(roofline.calibration());
    p.exec.normal_rate_share[0] = shares[0];
    p.exec.normal_rate_share[1] = shares[1];
    if (plan.comm_mode == DeepEpMode::Normal && (shares[0] != 1 || shares[1] != 1))
        m.notes.push_back("network: normal-mode kernels at the in-situ share of their benchmark rate measured in " +
                          s.compute.calibration_path.filename().string() + ": dispatch " + std::to_string(shares[0]) +
                          ", combine " + std::to_string(shares[1]));
    return p;
}

void restage_run(RunPlan& plan, const Scenario& s) {
    const RooflineModel roofline(s.gpu, {}, load_calibration_for(s));
    const std::unique_ptr<ProfileTable> profile = load_profile_for(s, roofline);
    plan.step = step::restage_step(plan.step, s, profile ? static_cast<const ComputeModel&>(*profile) : roofline);
    plan.scenario_json = canonical_json_object(scenario_to_json(s));
    plan.meta.scenario = s.name;
}

step::StepTrace execute_run(const RunPlan& plan, const ProgressFn& progress) {
    return step::execute_step(plan.step, *plan.router, plan.exec, progress);
}

RunResult assemble_run(const RunPlan& plan, const step::StepTrace& trace) {
    RunResult r     = step::step_result(plan.step, trace, *plan.topology, plan.exec.network.calibration, plan.meta,
                                        plan.hbm_used_bytes);
    r.scenario_json = plan.scenario_json;
    return r;
}

RunResult run(const Scenario& s, const ProgressFn& progress, StageTimes* times) {
    StageTimes t;
    double t0                   = wall_now();
    const RunPlan plan          = plan_run(s, progress);
    t.plan_s                    = wall_now() - t0;
    t0                          = wall_now();
    const step::StepTrace trace = execute_run(plan, progress);
    t.execute_s                 = wall_now() - t0;
    t.platform_s                = trace.platform_wall_s;
    t.simulate_s                = trace.run_wall_s;
    t0                          = wall_now();
    RunResult r                 = assemble_run(plan, trace);
    t.assemble_s                = wall_now() - t0;
    if (progress) progress(1.0, "done");
    if (times) *times = t;
    return r;
}

} // namespace moetwin
