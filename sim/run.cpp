// SPDX-License-Identifier: Apache-2.0
// run(): scenario -> RunResult. The static part (unit layout, per-GPU memory from the fit), then the
// step simulator: plan (routing, placement, compute times; sim/step/step_plan.hpp), SimGrid
// execution (sim/step/step_executor.hpp) and the result (sim/step/step_result.hpp).
#include "sim/run.hpp"

#include <cstdio>

#include "common/errors.hpp"
#include "engine/model_spec.hpp"
#include "engine/profile.hpp"
#include "engine/roofline.hpp"
#include "sim/scenario_fit.hpp"
#include "sim/step/step_executor.hpp"
#include "sim/step/step_plan.hpp"
#include "sim/step/step_result.hpp"
#include "topologies/h800_cluster.hpp"

#include <cstdio>

namespace moetwin {
namespace {

// compute.source = profile: the profile database with the roofline as fallback, for the scenario's model.
std::unique_ptr<ProfileTable> load_profile_for(const Scenario& s, const RooflineModel& roofline) {
    if (s.compute.source != ComputeSource::Profile) return nullptr;
    auto table = load_profile_table(s.compute.profile_path, &roofline);
    if (table->model() != s.model.name)
        throw ConfigError("compute.profile_path: " + s.compute.profile_path.string() + " profiles model '" +
                          table->model() + "' but the scenario runs '" + s.model.name + "'");
    return table;
}

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

// compute.calibration: the fitted efficiency factors the roofline uses (engine/calibration.hpp).
std::shared_ptr<const CalibrationFile> load_calibration_for(const Scenario& s) {
    if (s.compute.calibration_path.empty()) return nullptr;
    try {
        return std::make_shared<const CalibrationFile>(read_calibration_file(s.compute.calibration_path));
    } catch (const ConfigError& e) {
        throw ConfigError("compute.calibration: " + std::string(e.what()));
    }
}

} // namespace

RunResult run(const Scenario& s, const ProgressFn& progress) {
    const RooflineModel roofline(s.gpu, {}, load_calibration_for(s));
    const std::unique_ptr<ProfileTable> profile = load_profile_for(s, roofline);
    if (progress) progress(0.0, "planning");
    const DeploymentUnit& unit = s.active_unit();
    const FitReport fit        = fit_unit(s, s.workload.phase);
    // A deployment that does not fit in HBM would not run: refuse it unless the user asks for it.
    if (!fit.fits && !s.allow_not_fitting)
        throw ConfigError(s.source.string() + ": " + std::string(to_string(s.workload.phase)) +
                          " unit, GPU memory: " + fit.reason +
                          " (set \"allow_not_fitting\": true or run with --allow-not-fitting to simulate it anyway)");
    const step::StepPlan plan =
        step::plan_step(s, profile ? static_cast<const ComputeModel&>(*profile) : roofline, progress);

    RunResult r;
    r.scenario_json          = canonical_json_object(scenario_to_json(s)); // what was run, for --from-result
    r.meta.moetwin_version   = MOETWIN_VERSION;
    r.meta.scenario          = s.name;
    r.meta.model             = s.model.name;
    r.meta.phase             = std::string(to_string(s.workload.phase));
    r.meta.seed              = s.seed;
    r.meta.num_nodes         = unit.num_nodes;
    r.meta.gpus_per_node     = s.cluster.gpus_per_node;
    r.meta.num_gpus          = unit.ep_size;
    r.meta.num_layers        = plan.num_layers();
    r.meta.num_micro_batches = s.workload.micro_batches;
    r.meta.compute_source    = "roofline";
    r.meta.network_model     = s.network.simgrid_model;
    if (profile)
        r.meta.notes.push_back(profile_note(*profile, r.meta.compute_source));
    else
        r.meta.notes.push_back("compute: " + roofline.describe());
    {
        char margin[160];
        std::snprintf(margin, sizeof margin, "%.2f GiB %s per GPU, largest batch %lld %s",
                      double(fit.free_bytes < 0 ? -fit.free_bytes : fit.free_bytes) / double(1ll << 30),
                      fit.free_bytes < 0 ? "short" : "free", (long long)fit.max_batch, fit.batch_unit());
        r.meta.notes.push_back(fit.fits ? std::string("memory fit: fits, ") + margin
                                        : "memory fit: " + fit.reason + "; " + margin +
                                              "; simulated because allow_not_fitting is set");
    }
    r.meta.notes.push_back(std::string("network: ") +
                           (s.network.backend == CommBackend::SimGridFlows ? "SimGrid flows (reference)"
                                                                           : "fluid (calibrated to DeepEP)") +
                           ", " + std::string(to_string(plan.comm_mode)) + " all-to-all" + ", DeepEP " +
                           std::string(to_string(s.network.deepep)) + ", SimGrid " + s.network.simgrid_model);
    r.meta.notes.push_back("schedule: " + std::string(to_string(s.schedule.overlap)));
    for (const auto& note : plan.notes)
        r.meta.notes.push_back(note);

    const int64_t used =
        fit.weight_bytes + fit.kv_bytes + fit.comm_buffer_bytes + fit.activation_bytes + fit.reserve_bytes;
    for (int g = 0; g < unit.ep_size; ++g) {
        GpuCounters c;
        c.gpu            = g;
        c.node           = g / s.cluster.gpus_per_node;
        c.local_rank     = g % s.cluster.gpus_per_node;
        c.hbm_used_bytes = used;
        r.gpus.push_back(c);
    }

    const Topology topo = build_cluster(s.cluster);
    const Router router(topo);
    step::ExecOptions exec = step::exec_options_for(s);
    const auto shares      = step::in_situ_rate_shares(roofline.calibration());
    exec.normal_rate_share[0] = shares[0];
    exec.normal_rate_share[1] = shares[1];
    if (plan.comm_mode == DeepEpMode::Normal && (shares[0] != 1 || shares[1] != 1))
        r.meta.notes.push_back("network: normal-mode kernels at the in-situ share of their benchmark rate measured in " +
                               s.compute.calibration_path.filename().string() + ": dispatch " +
                               std::to_string(shares[0]) + ", combine " + std::to_string(shares[1]));
    const step::StepTrace tr = step::execute_step(plan, router, exec, progress);
    step::fill_step_result(r, plan, tr, topo, exec.calibration);
    if (progress) progress(1.0, "done");
    return r;
}

} // namespace moetwin
