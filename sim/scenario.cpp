// SPDX-License-Identifier: Apache-2.0
// Scenario helpers that need no JSON: names of the enums, the active unit, printing, the default.
#include "sim/scenario.hpp"

#include "common/errors.hpp"

#include <ostream>

namespace moetwin {

extern const char* const kDefaultScenarioJson; // generated from scenarios/ at configure time

const DeploymentUnit& Scenario::active_unit() const {
    const auto& unit = workload.phase == Phase::Decode ? deployment.decode : deployment.prefill;
    MOETWIN_ASSERT(unit.has_value(), "validated scenario lacks the unit of its phase");
    return *unit;
}

std::string_view default_scenario_text() {
    return kDefaultScenarioJson;
}

Scenario default_scenario() {
    return parse_scenario(kDefaultScenarioJson, "<embedded default scenario>");
}

namespace {

void print_unit(std::ostream& out, const char* name, const std::optional<DeploymentUnit>& u) {
    if (!u) return;
    out << "  deployment." << name << ": " << u->num_nodes << " nodes, EP" << u->ep_size << ", DP" << u->dp_size
        << ", TP" << u->tp_size << ", " << u->redundant_experts << " redundant experts, " << u->routed_experts_per_gpu
        << " routed + " << u->shared_experts_per_gpu << " shared experts per GPU";
    if (u->shared_expert_slots > 0) out << ", " << u->shared_expert_slots << " shared-expert slots";
    out << '\n';
}

} // namespace

std::ostream& operator<<(std::ostream& out, const Scenario& s) {
    const auto& c = s.cluster;
    const auto& w = s.workload;
    out << "scenario " << s.name << " (" << s.source.string() << ")\n";
    if (!s.description.empty()) out << "  " << s.description << '\n';
    out << "  model: " << s.model.name;
    if (s.model.num_dense_layers >= 0 || s.model.num_moe_layers >= 0)
        out << " (dense layers " << s.model.num_dense_layers << ", MoE layers " << s.model.num_moe_layers
            << "; -1 = the model's own)";
    out << ", seed " << s.seed << '\n';
    out << "  hardware: " << s.gpu.name << ", " << s.gpu.hbm_bytes / 1073741824.0 << " GiB HBM, "
        << s.gpu.hbm_bandwidth_Bps / 1e9 << " GB/s, " << s.gpu.peak_flops_bf16 / 1e12 << " TFLOPS BF16, "
        << s.gpu.peak_flops_fp8 / 1e12 << " TFLOPS FP8, " << s.gpu.num_sms << " SMs\n";
    out << "  cluster: " << c.num_nodes << " nodes × " << c.gpus_per_node << " GPUs, " << to_string(c.fabric)
        << "; NVLink " << c.nvlink.bandwidth_Bps / 1e9 << " GB/s " << c.nvlink.latency_s * 1e6 << " µs; IB "
        << c.nics_per_node << " NICs × " << c.ib_bandwidth_Bps / 1e9 << " GB/s, " << c.ib_latency_same_leaf_s * 1e6
        << "/" << c.ib_latency_cross_leaf_s * 1e6 << " µs, " << c.ib_planes << " planes, " << c.switch_ports
        << "-port switches; PCIe " << c.pcie.bandwidth_Bps / 1e9 << " GB/s\n";
    print_unit(out, "prefill", s.deployment.prefill);
    print_unit(out, "decode", s.deployment.decode);
    out << "  precision: experts " << to_string(s.precision.expert_weights) << ", dense "
        << to_string(s.precision.dense_weights) << ", KV " << to_string(s.precision.kv_cache) << ", dispatch "
        << to_string(s.precision.dispatch) << ", combine " << to_string(s.precision.combine) << '\n';
    out << "  routing: " << s.routing.num_groups << " groups, top-" << s.routing.topk_groups << " groups, node limit "
        << s.routing.node_limit << ", popularity " << to_string(s.routing.popularity);
    if (s.routing.popularity == ExpertPopularity::Zipf) out << " s=" << s.routing.zipf_s;
    if (s.routing.popularity == ExpertPopularity::LogNormal) out << " sigma=" << s.routing.lognormal_sigma;
    if (s.routing.popularity == ExpertPopularity::File) out << " " << s.routing.loads_path.string();
    out << ", replicas " << s.routing.replica_policy << '\n';
    out << "  balancer: " << s.balancer.policy;
    if (!s.balancer.fit_loads_path.empty()) out << ", fitted on " << s.balancer.fit_loads_path.string();
    if (!s.balancer.placement_path.empty()) out << ", placement " << s.balancer.placement_path.string();
    if (!s.balancer.command.empty()) {
        out << ", command [";
        for (std::size_t i = 0; i < s.balancer.command.size(); ++i)
            out << (i ? " " : "") << s.balancer.command[i];
        out << "] in " << s.balancer.command_dir.string() << ", killed after " << s.balancer.command_timeout_s << " s";
    }
    out << '\n';
    out << "  workload: " << to_string(w.phase) << ", ";
    if (w.phase == Phase::Decode)
        out << w.requests_per_gpu << " requests per GPU";
    else
        out << w.tokens_per_gpu << " tokens per GPU";
    out << ", context " << to_string(w.context_distribution) << " mean " << w.context_tokens << " max "
        << w.context_max_tokens << " tokens, ";
    if (w.cached_prefix_tokens > 0) out << "after a cached prefix of " << w.cached_prefix_tokens << " tokens, ";
    out << w.micro_batches << " micro-batches";
    if (w.mtp_draft_tokens > 0)
        out << ", MTP " << w.mtp_draft_tokens << " draft token(s) at " << w.mtp_acceptance * 100 << " % acceptance";
    out << '\n';
    if (const auto& t = s.training) {
        out << "  training: " << t->num_gpus << " GPUs, PP" << t->pp_size << " " << to_string(t->schedule) << ", DP "
            << t->dp_size << " per EP group (" << t->attention_dp() << " per stage), " << t->micro_batches
            << " micro-batches of " << t->sequence_tokens << "-token sequences (" << t->global_batch_sequences
            << " per step), ZeRO-" << t->zero_stage << ", layers per stage";
        for (int n : t->layers_per_stage)
            out << ' ' << n;
        out << '\n';
    }
    if (const OffloadConfig& o = s.offload; o.enabled)
        out << "  offload: " << o.host_memory_bytes / 1e9 << " GB host memory per node at "
            << o.host_memory_bandwidth_Bps / 1e9 << " GB/s (bridge " << o.host_bridge_bandwidth_Bps / 1e9
            << " GB/s, 0 = no limit), " << to_string(o.policy) << ", misses " << to_string(o.miss) << ", resident "
            << o.resident_experts_per_gpu << " per GPU (-1 = fit), prefetch " << (o.prefetch ? "on" : "off") << ", "
            << o.history_steps << " history steps, CPU " << o.cpu_cores << " cores × " << o.cpu_flops_per_core / 1e9
            << " GFLOP/s\n";
    out << "  schedule: " << to_string(s.schedule.overlap) << " (" << s.schedule.compute_sms << " compute + "
        << s.schedule.comm_sms << " communication SMs in prefill)\n";
    out << "  compute: " << to_string(s.compute.source);
    if (s.compute.source == ComputeSource::Profile) out << " " << s.compute.profile_path.string();
    if (!s.compute.calibration_path.empty()) out << ", calibration " << s.compute.calibration_path.string();
    out << "; network: SimGrid " << s.network.simgrid_model << (s.network.crosstraffic ? "" : ", no cross-traffic")
        << ", all-to-all " << to_string(s.network.all_to_all) << ", backend " << to_string(s.network.backend)
        << ", DeepEP " << to_string(s.network.deepep) << " (" << info(s.network.deepep).what << ")\n";
    const auto& cal = s.network.calibration;
    out << "  network calibration: NVLink " << cal.nvlink_efficiency << ", IB " << cal.ib_efficiency << ", PCIe "
        << cal.pcie_efficiency << " of nominal; phase overhead " << cal.normal_overhead_s * 1e6 << " µs normal, "
        << cal.low_latency_overhead_s * 1e6 << " µs low-latency; relay chunk " << cal.chunk_bytes
        << " B; IBRC QP stall per RDMA chunk " << cal.ibrc_chunk_stall_s * 1e6
        << " µs (0: IBGDA); low-latency NVLink message " << cal.ll_nvlink_message_s * 1e9 << " ns, dispatch RDMA after "
        << cal.ll_rdma_after_nvlink << " of the NVLink stores; normal kernels saturate at " << cal.saturating_sms
        << " SMs\n";
    out << "  output: " << s.output.dir.string() << (s.output.result_json ? " result.json" : "")
        << (s.output.trace ? " trace.json" : "") << (s.output.csv ? " gpus.csv" : "") << '\n';
    return out;
}

} // namespace moetwin
