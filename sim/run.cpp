// SPDX-License-Identifier: Apache-2.0
// run(): scenario -> RunResult. The static part (unit layout, per-GPU memory from the fit), then the
// step simulator: plan (routing, placement, compute times; sim/step/step_plan.hpp), SimGrid
// execution (sim/step/step_executor.hpp) and the result (sim/step/step_result.hpp).
#include "sim/run.hpp"

#include "engine/model_spec.hpp"
#include "engine/roofline.hpp"
#include "sim/scenario_fit.hpp"
#include "sim/step/step_executor.hpp"
#include "sim/step/step_plan.hpp"
#include "sim/step/step_result.hpp"
#include "topologies/h800_cluster.hpp"

namespace moetwin {

RunResult run(const Scenario& s) {
    const DeploymentUnit& unit = s.active_unit();
    const FitReport fit        = fit_memory(fit_input_for(s, s.workload.phase));
    const RooflineModel roofline(s.gpu);
    const step::StepPlan plan = step::plan_step(s, roofline);

    RunResult r;
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
    r.meta.notes.push_back("compute: " + roofline.describe() +
                           (s.compute.source == ComputeSource::Profile ? " (compute.source = profile is not wired into "
                                                                         "the step simulator yet; roofline used)"
                                                                       : ""));
    r.meta.notes.push_back("network: fluid (calibrated to DeepEP), " + std::string(to_string(plan.comm_mode)) +
                           " all-to-all, SimGrid " + s.network.simgrid_model);
    r.meta.notes.push_back("schedule: " + std::string(to_string(s.schedule.overlap)) +
                           "; MTP modules' own layer not simulated (draft tokens are verified by the main layers)");
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
    step::ExecOptions exec;
    exec.network_model       = s.network.simgrid_model;
    exec.crosstraffic        = s.network.crosstraffic;
    const step::StepTrace tr = step::execute_step(plan, router, exec);
    step::fill_step_result(r, plan, tr, topo, exec.calibration);
    return r;
}

} // namespace moetwin
