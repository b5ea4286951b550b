// SPDX-License-Identifier: Apache-2.0
// Writing a scenario: the canonical form, every key explicit, in the units of the key names.
// parse_scenario(scenario_to_json(s)) reproduces s (tested, also with every key moved off its default),
// which `moetwin run` relies on: result.json embeds this text and `run --from-result` reruns it.
// The reading side, with the schema's rules, is sim/scenario_json.cpp.
#include "engine/model_spec.hpp"
#include "sim/scenario.hpp"
#include "sim/scenario_offload_json.hpp"
#include "sim/serving/serving_json.hpp"

#include "common/units.hpp"

#include <nlohmann/json.hpp>

namespace moetwin {
namespace {

using units::kGB;
using units::kGiB;
using units::kUs;

nlohmann::ordered_json unit_json(const DeploymentUnit& u) {
    return {{"num_nodes", u.num_nodes},
            {"ep_size", u.ep_size},
            {"dp_size", u.dp_size},
            {"tp_size", u.tp_size},
            {"redundant_experts", u.redundant_experts},
            {"routed_experts_per_gpu", u.routed_experts_per_gpu},
            {"shared_experts_per_gpu", u.shared_experts_per_gpu},
            {"shared_expert_slots", u.shared_expert_slots}};
}

std::string str(std::string_view v) {
    return std::string(v);
}

nlohmann::ordered_json routing_json(const RoutingConfig& r) {
    nlohmann::ordered_json pop = {{"distribution", str(to_string(r.popularity))}};
    if (r.popularity == ExpertPopularity::Zipf) pop["s"] = r.zipf_s;
    if (r.popularity == ExpertPopularity::LogNormal) pop["sigma"] = r.lognormal_sigma;
    if (r.popularity == ExpertPopularity::File) pop["path"] = r.loads_path.string();
    return {{"num_groups", r.num_groups},
            {"topk_groups", r.topk_groups},
            {"node_limit", r.node_limit},
            {"popularity", pop},
            {"replica_policy", r.replica_policy}};
}

nlohmann::ordered_json balancer_json(const BalancerConfig& b) {
    nlohmann::ordered_json j = {{"policy", b.policy}};
    if (!b.fit_loads_path.empty()) j["fit_loads_path"] = b.fit_loads_path.string();
    if (b.hosted_experts_per_gpu > 0) j["hosted_experts_per_gpu"] = b.hosted_experts_per_gpu;
    if (b.active_set_sample_steps > 0) j["active_set_sample_steps"] = b.active_set_sample_steps;
    if (!b.placement_path.empty()) j["placement_path"] = b.placement_path.string();
    if (!b.command.empty()) {
        j["command"]           = b.command;
        j["command_timeout_s"] = b.command_timeout_s;
        j["command_dir"]       = b.command_dir.string();
    }
    return j;
}

// serving.prefill / serving.decode: the pool's own routing and balancer, when it has them.
void add_pool_unit_settings(nlohmann::ordered_json& pool, const PoolUnitSettings& u) {
    if (u.routing) pool["routing"] = routing_json(*u.routing);
    if (u.balancer) pool["balancer"] = balancer_json(*u.balancer);
}

} // namespace

std::string scenario_to_json(const Scenario& s) {
    using oj      = nlohmann::ordered_json;
    const auto& c = s.cluster;
    oj j;
    j["name"]        = s.name;
    j["description"] = s.description;
    j["seed"]        = s.seed;
    if (s.allow_not_fitting) j["allow_not_fitting"] = true;
    j["model"] = {{"name", s.model.name}};
    if (s.model.num_dense_layers >= 0) j["model"]["num_dense_layers"] = s.model.num_dense_layers;
    if (s.model.num_moe_layers >= 0) j["model"]["num_moe_layers"] = s.model.num_moe_layers;
    j["hardware"] = {{"gpu", s.gpu.name},
                     {"hbm_GiB", s.gpu.hbm_bytes / kGiB},
                     {"hbm_bandwidth_GBps", s.gpu.hbm_bandwidth_Bps / kGB},
                     {"peak_tflops_bf16", s.gpu.peak_flops_bf16 / 1e12},
                     {"peak_tflops_fp8", s.gpu.peak_flops_fp8 / 1e12},
                     {"num_sms", s.gpu.num_sms}};
    j["cluster"]  = {
         {"fabric", str(to_string(c.fabric))},
         {"num_nodes", c.num_nodes},
         {"gpus_per_node", c.gpus_per_node},
         {"nics_per_node", c.nics_per_node},
         {"nvlink", {{"bandwidth_GBps", c.nvlink.bandwidth_Bps / kGB}, {"latency_us", c.nvlink.latency_s / kUs}}},
         {"pcie", {{"bandwidth_GBps", c.pcie.bandwidth_Bps / kGB}, {"latency_us", c.pcie.latency_s / kUs}}},
         {"ib",
          {{"bandwidth_GBps", c.ib_bandwidth_Bps / kGB},
           {"latency_same_leaf_us", c.ib_latency_same_leaf_s / kUs},
           {"latency_cross_leaf_us", c.ib_latency_cross_leaf_s / kUs},
           {"planes", c.ib_planes},
           {"switch_ports", c.switch_ports}}}};
    if (c.host_bridge.bandwidth_Bps > 0)
        j["cluster"]["host_bridge"] = {{"bandwidth_GBps", c.host_bridge.bandwidth_Bps / kGB},
                                       {"latency_us", c.host_bridge.latency_s / kUs}};
    j["deployment"] = oj::object();
    if (s.deployment.prefill) j["deployment"]["prefill"] = unit_json(*s.deployment.prefill);
    if (s.deployment.decode) j["deployment"]["decode"] = unit_json(*s.deployment.decode);
    const auto& p  = s.precision;
    j["precision"] = {{"expert_weights", str(to_string(p.expert_weights))},
                      {"dense_weights", str(to_string(p.dense_weights))},
                      {"kv_cache", str(to_string(p.kv_cache))},
                      {"dispatch", str(to_string(p.dispatch))},
                      {"combine", str(to_string(p.combine))}};
    if (!find_model(s.model.name).is_dense()) // a dense model has no gate: the parser rejects routing keys
        j["routing"] = routing_json(s.routing);
    j["balancer"] = balancer_json(s.balancer);
    const auto& w = s.workload;
    oj ctx        = {{"distribution", str(to_string(w.context_distribution))}};
    switch (w.context_distribution) {
    case ContextDistribution::Fixed:
        ctx["tokens"] = w.context_tokens;
        break;
    case ContextDistribution::Uniform:
        ctx["min_tokens"] = w.context_min_tokens;
        ctx["max_tokens"] = w.context_max_tokens;
        break;
    case ContextDistribution::LogNormal:
        ctx["mean_tokens"] = w.context_tokens;
        ctx["sigma"]       = w.context_sigma;
        ctx["max_tokens"]  = w.context_max_tokens;
        break;
    }
    j["workload"] = {{"phase", str(to_string(w.phase))},
                     {"requests_per_gpu", w.requests_per_gpu},
                     {"tokens_per_gpu", w.tokens_per_gpu},
                     {"context", ctx},
                     {"micro_batches", w.micro_batches}};
    if (w.cached_prefix_tokens > 0) j["workload"]["cached_prefix_tokens"] = w.cached_prefix_tokens;
    if (w.mtp_draft_tokens > 0)
        j["workload"]["mtp"] = {{"draft_tokens", w.mtp_draft_tokens}, {"acceptance_rate", w.mtp_acceptance}};
    j["schedule"] = {{"overlap", str(to_string(s.schedule.overlap))},
                     {"compute_sms", s.schedule.compute_sms},
                     {"comm_sms", s.schedule.comm_sms}};
    if (const auto& t = s.training) { // workload and schedule follow from the training section
        j["workload"] = {{"phase", "training"}};
        j.erase("schedule");
        j["training"] = {{"pp_size", t->pp_size},
                         {"schedule", str(to_string(t->schedule))},
                         {"sequence_tokens", t->sequence_tokens},
                         {"global_batch_sequences", t->global_batch_sequences},
                         {"layers_per_stage", t->layers_per_stage},
                         {"comm_sms", t->comm_sms},
                         {"zero_stage", t->zero_stage}};
    }
    j["compute"] = {{"source", str(to_string(s.compute.source))}};
    if (s.compute.source == ComputeSource::Profile) j["compute"]["profile_path"] = s.compute.profile_path.string();
    if (!s.compute.calibration_path.empty()) j["compute"]["calibration"] = s.compute.calibration_path.string();
    const auto& cal = s.network.calibration;
    j["network"]    = {{"simgrid_model", s.network.simgrid_model},
                       {"crosstraffic", s.network.crosstraffic},
                       {"all_to_all", str(to_string(s.network.all_to_all))},
                       {"backend", str(to_string(s.network.backend))},
                       {"deepep", str(to_string(s.network.deepep))},
                       {"calibration",
                        {{"nvlink_efficiency", cal.nvlink_efficiency},
                         {"ib_efficiency", cal.ib_efficiency},
                         {"pcie_efficiency", cal.pcie_efficiency},
                         {"normal_overhead_us", cal.normal_overhead_s / kUs},
                         {"low_latency_overhead_us", cal.low_latency_overhead_s / kUs},
                         {"chunk_bytes", cal.chunk_bytes},
                         {"ibrc_chunk_stall_us", cal.ibrc_chunk_stall_s / kUs},
                         {"ll_nvlink_message_ns", cal.ll_nvlink_message_s * 1e9},
                         {"ll_rdma_after_nvlink", cal.ll_rdma_after_nvlink},
                         {"saturating_sms", cal.saturating_sms}}}};
    j["output"]     = {{"result_json", s.output.result_json}, {"trace", s.output.trace}, {"csv", s.output.csv}};
    // The default folder (out/<name>) stays implicit, so a renamed copy of this text writes its own folder.
    if (s.output.dir != std::filesystem::path("out") / s.name) j["output"]["dir"] = s.output.dir.string();
    if (s.serving) {
        j["serving"] = serving::serving_to_json(*s.serving);
        if (j["serving"].contains("prefill")) add_pool_unit_settings(j["serving"]["prefill"], s.serving_prefill_unit);
        add_pool_unit_settings(j["serving"]["decode"], s.serving_decode_unit);
    }
    if (s.offload.enabled) j["offload"] = offload_to_json(s.offload);
    return j.dump(2) + "\n";
}

} // namespace moetwin
