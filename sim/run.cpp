// SPDX-License-Identifier: Apache-2.0
// run(): scenario -> RunResult. Today: the static part (unit layout, per-GPU memory from the fit);
// the step simulator (SimGrid, issue 4) fills spans, links, expert loads and the summary's timings.
#include "sim/run.hpp"

#include "engine/model_spec.hpp"
#include "sim/scenario_fit.hpp"

namespace moetwin {

RunResult run(const Scenario& s) {
    const DeploymentUnit& unit = s.active_unit();
    const ModelSpec model      = with_layers(find_model(s.model.name), s.model.num_dense_layers, s.model.num_moe_layers);
    const FitReport fit        = fit_memory(fit_input_for(s, s.workload.phase));

    RunResult r;
    r.meta.moetwin_version   = MOETWIN_VERSION;
    r.meta.scenario          = s.name;
    r.meta.model             = s.model.name;
    r.meta.phase             = std::string(to_string(s.workload.phase));
    r.meta.seed              = s.seed;
    r.meta.num_nodes         = unit.num_nodes;
    r.meta.gpus_per_node     = s.cluster.gpus_per_node;
    r.meta.num_gpus          = unit.ep_size;
    r.meta.num_layers        = model.num_layers;
    r.meta.num_micro_batches = s.workload.micro_batches;
    r.meta.compute_source    = std::string(to_string(s.compute.source));
    r.meta.network_model     = s.network.simgrid_model;
    r.meta.notes.push_back("timing not simulated: the step simulator is not built yet; this result holds the "
                           "deployment's static facts only");

    const int64_t used = fit.weight_bytes + fit.kv_bytes + fit.comm_buffer_bytes + fit.activation_bytes +
                         fit.reserve_bytes;
    for (int g = 0; g < unit.ep_size; ++g) {
        GpuCounters c;
        c.gpu            = g;
        c.node           = g / s.cluster.gpus_per_node;
        c.local_rank     = g % s.cluster.gpus_per_node;
        c.hbm_used_bytes = used;
        r.gpus.push_back(c);
    }
    r.layer_gpu.tokens_received.assign(size_t(r.meta.num_layers), std::vector<int64_t>(size_t(unit.ep_size), 0));
    r.layer_gpu.compute_ns = r.layer_gpu.tokens_received;
    // No routing has been simulated: expert rows stay empty (the result format's "no data" for a layer).
    r.experts.num_experts   = model.num_routed_experts;
    r.experts.slots_per_gpu = unit.routed_experts_per_gpu;
    r.experts.tokens.assign(size_t(r.meta.num_layers), {});
    r.experts.phy2log.assign(size_t(r.meta.num_layers), {});
    r.summary.timing_simulated = false;
    return r;
}

} // namespace moetwin
