// SPDX-License-Identifier: Apache-2.0
// Scenario -> FitInput: the only place the two vocabularies meet.
#include "sim/scenario_fit.hpp"

#include "common/errors.hpp"
#include "engine/model_spec.hpp"

namespace moetwin {

FitInput fit_input_for(const Scenario& s, Phase phase) {
    const auto& unit = phase == Phase::Decode ? s.deployment.decode : s.deployment.prefill;
    MOETWIN_ASSERT(unit.has_value(), "fit_input_for: the scenario has no such unit");
    FitInput in;
    in.model                    = s.model.name;
    in.num_dense_layers         = s.model.num_dense_layers;
    in.num_moe_layers           = s.model.num_moe_layers;
    in.gpu                      = s.gpu;
    in.phase                    = phase;
    in.num_gpus                 = unit->ep_size;
    in.ep_size                  = unit->ep_size;
    in.dp_size                  = unit->dp_size;
    in.tp_size                  = unit->tp_size;
    in.routed_experts_per_gpu   = unit->routed_experts_per_gpu;
    in.hosted_experts_per_gpu   = s.balancer.hosted_experts_per_gpu;
    in.shared_experts_per_gpu   = unit->shared_experts_per_gpu;
    in.routed_expert_precision  = s.precision.expert_weights;
    in.weight_precision         = s.precision.dense_weights;
    in.kv_precision             = s.precision.kv_cache;
    in.context_tokens           = s.workload.context_max_tokens;
    in.query_tokens_per_request = 1 + s.workload.mtp_draft_tokens;
    in.requests_per_gpu         = s.workload.requests_per_gpu;
    in.tokens_per_gpu           = s.workload.tokens_per_gpu;
    in.cached_prefix_tokens     = phase == Phase::Prefill ? s.workload.cached_prefix_tokens : 0;
    in.serve_mtp                = s.workload.mtp_draft_tokens > 0 && find_model(s.model.name).num_mtp_modules > 0;
    if (s.offload.enabled) { // sim/scenario_offload.hpp
        in.offload_experts                  = true;
        in.offload_resident_experts_per_gpu = s.offload.resident_experts_per_gpu;
        in.host_memory_bytes                = int64_t(s.offload.host_memory_bytes);
        in.gpus_per_node                    = s.cluster.gpus_per_node;
        in.offload_staging_layers           = s.offload.prefetch ? 2 : 1;
    }
    return in;
}

FitReport fit_unit(const Scenario& s, Phase phase) {
    const FitInput in = fit_input_for(s, phase);
    try {
        return fit_memory(in);
    } catch (const ConfigError& e) {
        throw ConfigError(s.source.string() + ": deployment." + std::string(to_string(phase)) +
                          " (memory fit): " + e.what());
    }
}

} // namespace moetwin
