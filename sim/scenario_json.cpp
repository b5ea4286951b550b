// SPDX-License-Identifier: Apache-2.0
// The one place a scenario's JSON is read: strict (unknown keys rejected), units converted to SI
// here and nowhere else, cross-field rules checked with the JSON path of the offending key.
// The schema is documented key by key in scenarios/README.md; keep the two in step.
#include "sim/scenario.hpp"
#include "sim/scenario_bounds.hpp"
#include "sim/scenario_offload_json.hpp"
#include "sim/scenario_training_json.hpp"

#include "common/atomic_file.hpp"
#include "common/checked_int.hpp"
#include "common/json_reader.hpp"
#include "common/units.hpp"
#include "engine/model_spec.hpp"
#include "sim/balancer/dispatch.hpp"
#include "sim/balancer/external/placement_json.hpp"
#include "sim/balancer/placement.hpp"
#include "sim/serving/serving_json.hpp"
#include "topologies/cluster_builder.hpp"

#include <cctype>
#include <cmath>

namespace moetwin {
namespace fs = std::filesystem;

namespace {

using units::kGB;
using units::kGiB;
using units::kUs;

// Input paths in a scenario are relative to the scenario file's directory.
fs::path resolve_input(const JsonObject& o, std::string_view key, const fs::path& base_dir) {
    fs::path p = o.string(key);
    if (p.empty()) o.fail(key, "expected a file path, got an empty string");
    if (p.is_relative()) p = base_dir / p;
    std::error_code ec;
    if (!fs::is_regular_file(p, ec)) o.fail(key, "file \"" + p.string() + "\" does not exist");
    return fs::absolute(p).lexically_normal();
}

ModelConfig parse_model(const JsonObject& root) {
    ModelConfig m;
    const JsonObject o = root.object("model");
    o.finish({"name", "num_dense_layers", "num_moe_layers"});
    m.name                = o.string("name");
    const ModelSpec* spec = nullptr;
    try {
        spec = &find_model(m.name);
    } catch (const ConfigError& e) {
        o.fail("name", e.what());
    }
    m.num_dense_layers = int(o.integer_in("num_dense_layers", -1, -1, spec->num_dense_layers));
    m.num_moe_layers   = int(o.integer_in("num_moe_layers", -1, -1, spec->num_layers - spec->num_dense_layers));
    if (m.num_dense_layers == 0 && m.num_moe_layers == 0) o.fail_here("a model needs at least one layer");
    return m;
}

GpuSpec parse_hardware(const JsonObject& root) {
    const JsonObject o = root.object("hardware");
    o.finish({"gpu", "hbm_GiB", "hbm_bandwidth_GBps", "peak_tflops_bf16", "peak_tflops_fp8", "num_sms"});
    GpuSpec gpu;
    try {
        gpu = find_gpu(o.string("gpu")); // exact, lowercase (common/name_table.hpp)
    } catch (const ConfigError& e) {
        o.fail("gpu", e.what());
    }
    // What-if overrides of the table's figures.
    gpu.hbm_bytes         = o.has("hbm_GiB") ? o.positive("hbm_GiB", 0) * kGiB : gpu.hbm_bytes;
    gpu.hbm_bandwidth_Bps = o.positive("hbm_bandwidth_GBps", gpu.hbm_bandwidth_Bps / kGB) * kGB;
    gpu.peak_flops_bf16   = o.positive("peak_tflops_bf16", gpu.peak_flops_bf16 / 1e12) * 1e12;
    gpu.peak_flops_fp8    = o.non_negative("peak_tflops_fp8", gpu.peak_flops_fp8 / 1e12) * 1e12; // 0: no FP8 (A100)
    gpu.num_sms           = int(o.integer_in("num_sms", gpu.num_sms, 1, 1024));
    return gpu;
}

LinkParams parse_link(const JsonObject& o, LinkParams d) {
    o.finish({"bandwidth_GBps", "latency_us"});
    d.bandwidth_Bps = o.positive("bandwidth_GBps", d.bandwidth_Bps / kGB) * kGB;
    d.latency_s     = o.non_negative("latency_us", d.latency_s / kUs) * kUs;
    return d;
}

// cluster.num_nodes may be left out (0 here): parse_scenario sets it from the units and then runs
// check_cluster(), the topology builder's own validator, with the JSON paths.
ClusterSpec parse_cluster(const JsonObject& o, const GpuSpec& gpu) {
    o.finish({"fabric", "num_nodes", "gpus_per_node", "nics_per_node", "nvlink", "pcie", "host_bridge", "ib"});
    ClusterSpec c;
    c.nvlink.bandwidth_Bps = gpu.nvlink_achievable_Bps; // achieved, not nominal (H800: 160 of 200 GB/s)
    // A GPU without NVLink (RTX 4090/5090, L40S) talks to its peers over PCIe through the host: each GPU's
    // scale-up port carries its PCIe x16 bandwidth (nominal, per direction) to its socket's root complex, and
    // cross-socket transfers share the inter-socket link (cluster.host_bridge; cluster_spec.hpp).
    if (!gpu.has_nvlink()) {
        c.nvlink.bandwidth_Bps = gpu.pcie_bandwidth_Bps;
        c.host_bridge          = {kUpiIceLakeBps, 0.0};
    }
    // A GPU without a data-centre NIC (consumer cards: nic 0) keeps ClusterSpec's 400 Gb/s default, which
    // only a multi-node fabric uses; cluster.ib.bandwidth_GBps says otherwise.
    if (gpu.nic_bandwidth_Bps > 0) c.ib_bandwidth_Bps = gpu.nic_bandwidth_Bps;
    c.fabric        = o.choice("fabric", kFabricKinds, FabricKind::MultiPlane, "fabric");
    c.num_nodes     = o.has("num_nodes") ? int(o.integer_in("num_nodes", 1, 1, 16384)) : 0;
    c.gpus_per_node = int(o.integer_in("gpus_per_node", 8, 1, 72));
    c.nics_per_node = int(o.integer_in("nics_per_node", c.gpus_per_node, 0, 72));
    if (auto l = o.optional_object("nvlink")) c.nvlink = parse_link(*l, c.nvlink);
    if (auto l = o.optional_object("pcie")) c.pcie = parse_link(*l, c.pcie);
    if (auto l = o.optional_object("host_bridge")) c.host_bridge = parse_link(*l, c.host_bridge);
    if (auto ib = o.optional_object("ib")) {
        ib->finish({"bandwidth_GBps", "latency_same_leaf_us", "latency_cross_leaf_us", "planes", "switch_ports"});
        c.ib_bandwidth_Bps        = ib->positive("bandwidth_GBps", c.ib_bandwidth_Bps / kGB) * kGB;
        c.ib_latency_same_leaf_s  = ib->non_negative("latency_same_leaf_us", c.ib_latency_same_leaf_s / kUs) * kUs;
        c.ib_latency_cross_leaf_s = ib->non_negative("latency_cross_leaf_us", c.ib_latency_cross_leaf_s / kUs) * kUs;
        // One plane per NIC rank by default (ISCA'25 §5.1 MPFT); 0 on nodes without NICs.
        c.ib_planes    = int(ib->integer_in("planes", c.nics_per_node, 0, 72));
        c.switch_ports = int(ib->integer_in("switch_ports", c.switch_ports, 4, 1024));
    } else {
        c.ib_planes = c.nics_per_node;
    }
    return c;
}

void check_cluster(const JsonObject& o, const ClusterSpec& c) {
    if (auto issue = check_cluster_spec(c)) o.fail(issue->key, issue->what);
}

// A key that follows from others may be restated but not contradicted (issue 13 item 6): reads `key`
// if present and fails, naming the value given, the value derived and how, when they differ.
int derived_key(const JsonObject& o, std::string_view key, int derived, const std::string& from) {
    if (!o.has(key)) return derived;
    const int64_t given = o.integer(key);
    if (given != derived)
        o.fail(key, std::to_string(given) + " contradicts the value derived from " + from + ": " +
                        std::to_string(derived) + " (remove the key to use it)");
    return derived;
}

// NOTES: derived keys: ep_size = num_nodes × cluster.gpus_per_node (the unit's GPUs);
// dp_size = ep_size / tp_size (attention: one DP rank per tp_size GPUs); routed_experts_per_gpu =
// ceil(slots / ep_size), the busiest GPU's slot count, with slots = routed + redundant + shared-expert
// slots. Slots need not divide over the GPUs: PlacementSpec (sim/balancer/placement.hpp) gives some
// GPUs one slot fewer; every GPU holds at least one.
DeploymentUnit parse_unit(const JsonObject& o, const ClusterSpec& c, const ModelSpec& m) {
    DeploymentUnit u;
    const int n_routed = m.num_routed_experts;
    o.finish({"num_nodes", "ep_size", "dp_size", "tp_size", "redundant_experts", "routed_experts_per_gpu",
              "shared_experts_per_gpu", "shared_expert_slots"});
    const auto n = [](int v) { return std::to_string(v); };
    // Read as 64-bit and range-checked before narrowing (issue 15 item 6): a unit spans at most the
    // cluster's 16384 nodes of at most 72 GPUs (cluster.num_nodes, cluster.gpus_per_node), so every GPU
    // count derived below fits an int.
    u.num_nodes = int(o.integer_in("num_nodes", 1, 16384));
    if (c.num_nodes > 0 && u.num_nodes > c.num_nodes)
        o.fail("num_nodes", n(u.num_nodes) + " exceeds cluster.num_nodes (" + n(c.num_nodes) + ")");
    u.ep_size = derived_key(o, "ep_size", u.num_nodes * c.gpus_per_node,
                            "num_nodes × cluster.gpus_per_node = " + n(u.num_nodes) + " × " + n(c.gpus_per_node));
    u.tp_size = int(o.integer_in("tp_size", 1, 1, 1024));
    if (u.ep_size % u.tp_size != 0)
        o.fail("tp_size", n(u.tp_size) + " does not divide the unit's " + n(u.ep_size) + " GPUs (ep_size)");
    u.dp_size =
        derived_key(o, "dp_size", u.ep_size / u.tp_size, "ep_size / tp_size = " + n(u.ep_size) + " / " + n(u.tp_size));
    u.redundant_experts      = int(o.integer_in("redundant_experts", 0, 0, 1 << 20));
    u.shared_experts_per_gpu = int(o.integer_in("shared_experts_per_gpu", m.num_shared_experts > 0 ? 1 : 0, 0, 64));
    u.shared_expert_slots    = int(o.integer_in("shared_expert_slots", 0, 0, 1 << 20));
    if (m.is_dense()) { // no experts: every GPU runs the whole FFN, nothing to place
        if (u.redundant_experts > 0 || u.shared_expert_slots > 0)
            o.fail(u.redundant_experts > 0 ? "redundant_experts" : "shared_expert_slots",
                   m.name + " is a dense model: it has no experts to place");
        u.routed_experts_per_gpu = derived_key(o, "routed_experts_per_gpu", 0, "0 (dense model)");
        return u;
    }
    const int slots       = n_routed + u.redundant_experts + u.shared_expert_slots;
    const std::string sum = n(n_routed) + " routed + " + n(u.redundant_experts) + " redundant + " +
                            n(u.shared_expert_slots) + " shared-expert slots = " + n(slots);
    if (slots < u.ep_size)
        o.fail("redundant_experts", sum + " leave some of the " + n(u.ep_size) + " GPUs without a slot");
    if (u.shared_expert_slots > 0 && slots % u.ep_size != 0)
        o.fail("shared_expert_slots", sum + " do not divide evenly over " + n(u.ep_size) +
                                          " GPUs: dedicated shared-expert slots need an even layout");
    u.routed_experts_per_gpu =
        derived_key(o, "routed_experts_per_gpu", (slots + u.ep_size - 1) / u.ep_size,
                    "⌈slots / ep_size⌉ (the busiest GPU's), " + sum + " over " + n(u.ep_size) + " GPUs");
    if (m.num_shared_experts > 0 && u.shared_experts_per_gpu == 0 && u.shared_expert_slots == 0)
        o.fail("shared_experts_per_gpu", "the model has a shared expert: place it on every GPU "
                                         "(shared_experts_per_gpu >= 1) or in shared_expert_slots");
    return u;
}

// GEMM weight formats the GPU has tensor cores for (issue 20): FP8 needs FP8 tensor cores, INT8 (W8A8)
// INT8 ones. Rejected rather than silently run at another rate: the hardware has no such path, and a
// fallback (FP8 weights dequantised to BF16 as vLLM's Marlin W8A16 does on Ampere) is a different
// deployment the user should ask for by choosing bf16, int8 or int4_g128.
void check_weight_formats(const JsonObject& root, const PrecisionConfig& p, const GpuSpec& gpu) {
    for (const auto& [key, prec] : {std::pair<const char*, Precision>{"expert_weights", p.expert_weights},
                                    std::pair<const char*, Precision>{"dense_weights", p.dense_weights}}) {
        if (!computes_in_weight_format(prec)) continue;
        const bool ok = prec == Precision::Int8 ? gpu.peak_ops_int8 > 0 : gpu.has_fp8();
        if (ok) continue;
        const std::string msg = "\"" + std::string(to_string(prec)) + "\" needs " + std::string(to_string(prec)) +
                                " tensor cores, which " + gpu.name +
                                " does not have; choose bf16, fp16, int8 or int4_g128 (weights dequantised to 16 bits)";
        const auto o = root.optional_object("precision");
        if (o && o->has(key)) o->fail(key, msg);
        root.fail(std::string("precision.") + key, msg + " (fp8_e4m3 is the default when the key is left out)");
    }
}

PrecisionConfig parse_precision_config(const JsonObject& root) {
    PrecisionConfig p;
    const auto o = root.optional_object("precision");
    if (!o) return p;
    o->finish({"expert_weights", "dense_weights", "kv_cache", "dispatch", "combine"});
    const auto read = [&](std::string_view key, Precision fallback) {
        if (!o->has(key)) return fallback;
        try {
            return parse_precision(o->string(key));
        } catch (const ConfigError& e) {
            o->fail(key, e.what());
        }
    };
    p.expert_weights = read("expert_weights", p.expert_weights);
    p.dense_weights  = read("dense_weights", p.dense_weights);
    p.kv_cache       = read("kv_cache", p.kv_cache);
    p.dispatch       = read("dispatch", p.dispatch);
    p.combine        = read("combine", p.combine);
    const auto wire  = [](Precision x) { return x == Precision::Bf16 || x == Precision::Fp8E4m3; };
    if (!wire(p.dispatch))
        o->fail("dispatch",
                "\"" + std::string(to_string(p.dispatch)) + "\" is not a wire format: use bf16 or fp8_e4m3");
    if (!wire(p.combine))
        o->fail("combine", "\"" + std::string(to_string(p.combine)) + "\" is not a wire format: use bf16 or fp8_e4m3");
    return p;
}

RoutingConfig parse_routing(const JsonObject& root, const ModelSpec& m, const DeploymentUnit& unit,
                            const fs::path& base_dir) {
    RoutingConfig r;
    r.num_groups  = m.num_expert_groups;
    r.topk_groups = m.topk_groups;
    r.node_limit  = std::min(4, unit.num_nodes);
    const auto o  = root.optional_object("routing");
    if (!o) return r;
    o->finish({"num_groups", "topk_groups", "node_limit", "popularity", "replica_policy"});
    if (m.is_dense()) { // no gate: only keys that do not route are meaningful
        for (const char* key : {"num_groups", "topk_groups", "node_limit", "popularity", "replica_policy"})
            if (o->has(key)) o->fail(key, m.name + " is a dense model: it has no gate to route with");
        return r;
    }
    // The gate's groups are the model's (its config.json): a scenario may restate them, not change them,
    // so that swapping model.name cannot silently keep another model's gate (issue 13 item 5).
    for (const auto& [key, own] : {std::pair<const char*, int>{"num_groups", m.num_expert_groups},
                                   std::pair<const char*, int>{"topk_groups", m.topk_groups}})
        if (o->has(key) && o->integer(key, own) != own)
            o->fail(key, std::to_string(o->integer(key, own)) + " differs from " + m.name + "'s own " + key + " = " +
                             std::to_string(own) +
                             " (its gate, from the model catalogue); remove the key or set it to " +
                             std::to_string(own));
    r.num_groups = int(o->integer_in("num_groups", r.num_groups, 1, m.num_routed_experts));
    if (m.num_routed_experts % r.num_groups != 0)
        o->fail("num_groups", std::to_string(r.num_groups) + " does not divide the model's " +
                                  std::to_string(m.num_routed_experts) + " routed experts");
    r.topk_groups = int(o->integer_in("topk_groups", std::min(r.topk_groups, r.num_groups), 1, r.num_groups));
    const int experts_in_groups = r.topk_groups * (m.num_routed_experts / r.num_groups);
    if (experts_in_groups < m.top_k)
        o->fail("topk_groups", std::to_string(r.topk_groups) + " groups hold " + std::to_string(experts_in_groups) +
                                   " experts, fewer than top_k (" + std::to_string(m.top_k) + ")");
    r.node_limit = int(o->integer_in("node_limit", r.node_limit, 1, 1 << 20));
    if (r.node_limit > unit.num_nodes)
        o->fail("node_limit",
                std::to_string(r.node_limit) + " exceeds the unit's " + std::to_string(unit.num_nodes) + " nodes");
    if (auto p = o->optional_object("popularity")) {
        r.popularity = p->choice("distribution", kExpertPopularities, ExpertPopularity::Uniform, "popularity");
        if (!p->has("distribution")) p->fail_here("missing required key \"distribution\"");
        switch (r.popularity) {
        case ExpertPopularity::Uniform:
            p->finish({"distribution"});
            break;
        case ExpertPopularity::Zipf:
            r.zipf_s = p->non_negative("s", r.zipf_s);
            p->finish({"distribution", "s"});
            break;
        case ExpertPopularity::LogNormal:
            r.lognormal_sigma = p->non_negative("sigma", r.lognormal_sigma);
            p->finish({"distribution", "sigma"});
            break;
        case ExpertPopularity::File:
            if (!p->has("path")) p->fail_here("missing required key \"path\" (an expert-load JSON file)");
            r.loads_path = resolve_input(*p, "path", base_dir);
            p->finish({"distribution", "path"});
            break;
        }
    }
    r.replica_policy = o->string("replica_policy", r.replica_policy);
    try {
        (void)balancer::find_dispatch_policy(r.replica_policy); // the balancer library owns the names
    } catch (const ConfigError& e) {
        o->fail("replica_policy", e.what());
    }
    return r;
}

// balancer.placement_path (policy "file"), balancer.command, command_timeout_s, command_dir ("command").
void parse_external_placement(const JsonObject& o, BalancerConfig& b, const fs::path& base_dir) {
    const bool file = b.policy == balancer::kPlacementFromFile, command = b.policy == balancer::kPlacementFromCommand;
    if (file) {
        if (!o.has("placement_path"))
            o.fail_here("policy \"file\" needs \"placement_path\" (a placement JSON: {\"phy2log\": [[…] × layers]})");
        b.placement_path = resolve_input(o, "placement_path", base_dir);
    } else if (o.has("placement_path")) {
        o.fail("placement_path", "is read only with policy \"file\", not \"" + b.policy + "\"");
    }
    for (const std::string_view key : {"command", "command_timeout_s", "command_dir"})
        if (!command && o.has(key)) o.fail(key, "is read only with policy \"command\", not \"" + b.policy + "\"");
    if (!command) return;
    if (!o.has("command")) o.fail_here("policy \"command\" needs \"command\" (an argv array: [\"python3\", \"x.py\"])");
    const JsonArray argv = o.array("command");
    if (argv.empty()) o.fail("command", "expected a non-empty argv array, got an empty array");
    for (std::size_t i = 0; i < argv.size(); ++i) {
        b.command.push_back(argv.string(i));
        if (i == 0 && b.command[0].empty()) argv.fail(0, "expected the program's name or path, got an empty string");
    }
    b.command_timeout_s = read_bounded(o, "command_timeout_s", "balancer.command_timeout_s", b.command_timeout_s);
    fs::path dir        = o.has("command_dir") ? fs::path(o.string("command_dir")) : fs::path();
    if (o.has("command_dir") && dir.empty()) o.fail("command_dir", "expected a directory, got an empty string");
    if (dir.empty())
        dir = base_dir;
    else if (dir.is_relative())
        dir = base_dir / dir;
    if (dir.empty()) dir = ".";
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) o.fail("command_dir", "directory \"" + dir.string() + "\" does not exist");
    b.command_dir = fs::absolute(dir).lexically_normal();
}

BalancerConfig parse_balancer(const JsonObject& root, const DeploymentUnit& unit, const RoutingConfig& routing,
                              const fs::path& base_dir) {
    BalancerConfig b;
    if (unit.redundant_experts == 0) b.policy = "none";
    const auto o = root.optional_object("balancer");
    if (!o) return b;
    // rebalance_period_min: a step has one placement; re-placement over time is `moetwin balance drift`'s
    // question (its --period option), so the key is refused here rather than parsed and ignored.
    if (o->has("rebalance_period_min"))
        o->fail("rebalance_period_min", "a simulated step uses one placement and never rebalances; rebalancing over "
                                        "time is modelled by `moetwin balance drift` (see its --help): remove the key");
    o->finish({"policy", "fit_loads_path", "placement_path", "command", "command_timeout_s", "command_dir",
               "hosted_experts_per_gpu", "active_set_sample_steps"});
    b.policy        = o->string("policy", b.policy);
    const bool file = b.policy == balancer::kPlacementFromFile, command = b.policy == balancer::kPlacementFromCommand;
    try {
        if (!file && !command) (void)balancer::find_placement_policy(b.policy); // the balancer library owns the names
    } catch (const ConfigError& e) {
        o->fail("policy", std::string(e.what()) + "; or \"" + std::string(balancer::kPlacementFromFile) + "\" or \"" +
                              std::string(balancer::kPlacementFromCommand) + "\" (bring your own placement)");
    }
    parse_external_placement(*o, b, base_dir);
    if (b.policy == "none" && unit.redundant_experts > 0)
        o->fail("policy",
                "\"none\" places no redundant experts, but the unit has " + std::to_string(unit.redundant_experts));
    if (b.policy == "eplb_hierarchical" && routing.num_groups % unit.num_nodes != 0)
        o->fail("policy", "\"eplb_hierarchical\" needs the " + std::to_string(routing.num_groups) +
                              " expert groups to divide over the unit's " + std::to_string(unit.num_nodes) +
                              " nodes; use \"eplb\" or \"eplb_global\"");
    if (o->has("fit_loads_path")) b.fit_loads_path = resolve_input(*o, "fit_loads_path", base_dir);
    // Dynamic redundancy: at least the active slots; at most one copy of every routed expert per GPU.
    if (o->has("hosted_experts_per_gpu")) {
        b.hosted_experts_per_gpu = int(o->integer_in("hosted_experts_per_gpu", 0, unit.routed_experts_per_gpu,
                                                     unit.routed_experts_per_gpu * unit.ep_size));
        if (unit.shared_expert_slots > 0)
            o->fail("hosted_experts_per_gpu", "dynamic redundancy is not modelled with deployment.shared_expert_slots");
        if (b.policy == "none") o->fail("hosted_experts_per_gpu", "needs a placement policy other than \"none\"");
    }
    // 1 step to 10^6 steps (at 128 decode requests per GPU and 85 ms a step: over a day of serving).
    if (o->has("active_set_sample_steps")) {
        b.active_set_sample_steps = int(o->integer_in("active_set_sample_steps", 1, 1, 1000000));
        if (b.hosted_experts_per_gpu == 0)
            o->fail("active_set_sample_steps", "chooses the active set of dynamic redundancy: set "
                                               "balancer.hosted_experts_per_gpu too");
    }
    return b;
}

WorkloadConfig parse_workload(const JsonObject& root, const Deployment& d) {
    WorkloadConfig w;
    const JsonObject o = root.object("workload");
    o.finish(
        {"phase", "requests_per_gpu", "tokens_per_gpu", "context", "cached_prefix_tokens", "micro_batches", "mtp"});
    w.phase = o.choice("phase", kPhases, Phase::Decode, "phase");
    if (!o.has("phase")) o.fail_here("missing required key \"phase\" (prefill, decode or training)");
    if (w.phase == Phase::Decode && !d.decode) o.fail("phase", "\"decode\" needs deployment.decode");
    if (w.phase == Phase::Prefill && !d.prefill) o.fail("phase", "\"prefill\" needs deployment.prefill");
    w.requests_per_gpu = int(o.integer_in("requests_per_gpu", w.requests_per_gpu, 1, 1 << 20));
    w.tokens_per_gpu   = o.integer_in("tokens_per_gpu", w.tokens_per_gpu, 1, int64_t(1) << 30);
    if (auto c = o.optional_object("context")) {
        w.context_distribution =
            c->choice("distribution", kContextDistributions, ContextDistribution::Fixed, "context distribution");
        switch (w.context_distribution) {
        case ContextDistribution::Fixed:
            w.context_tokens = c->integer_in("tokens", w.context_tokens, 1, int64_t(1) << 24);
            c->finish({"distribution", "tokens"});
            break;
        case ContextDistribution::Uniform:
            w.context_min_tokens = c->integer_in("min_tokens", 1, 1, int64_t(1) << 24);
            w.context_max_tokens = c->integer_in("max_tokens", INT64_MIN, INT64_MAX); // range: scenario_bounds
            if (w.context_max_tokens < w.context_min_tokens)
                c->fail("max_tokens", std::to_string(w.context_max_tokens) + " is below min_tokens (" +
                                          std::to_string(w.context_min_tokens) + ")");
            // The midpoint without overflow (max_tokens is bounded later, by scenario_bounds; UBSan found
            // (min + max) / 2 overflowing at max_tokens = INT64_MAX). Equal to it for 1 <= min <= max.
            w.context_tokens = w.context_min_tokens + (w.context_max_tokens - w.context_min_tokens) / 2;
            c->finish({"distribution", "min_tokens", "max_tokens"});
            break;
        case ContextDistribution::LogNormal:
            w.context_tokens     = c->integer_in("mean_tokens", w.context_tokens, 1, int64_t(1) << 24);
            w.context_sigma      = c->non_negative("sigma", w.context_sigma);
            w.context_max_tokens = c->integer_in("max_tokens", int64_t(1) << 17, w.context_tokens, int64_t(1) << 24);
            c->finish({"distribution", "mean_tokens", "sigma", "max_tokens"});
            break;
        }
    }
    if (w.context_max_tokens == 0) w.context_max_tokens = w.context_tokens;
    w.cached_prefix_tokens = read_bounded_integer(o, "cached_prefix_tokens", "workload.cached_prefix_tokens", 0);
    if (w.cached_prefix_tokens > 0 && w.phase != Phase::Prefill)
        o.fail("cached_prefix_tokens", "needs phase \"prefill\" (a decode request's context already holds its prefix)");
    w.micro_batches = int(o.integer_in("micro_batches", w.micro_batches, 1, 2));
    if (auto m = o.optional_object("mtp")) {
        m->finish({"draft_tokens", "acceptance_rate"});
        w.mtp_draft_tokens = int(m->integer_in("draft_tokens", 1, 0, 4));
        const double acc   = m->number("acceptance_rate", 0.85);
        if (acc < 0 || acc > 1) m->fail("acceptance_rate", "must be within [0, 1], got " + format_number(acc));
        w.mtp_acceptance = acc;
    }
    return w;
}

ScheduleConfig parse_schedule(const JsonObject& root, const WorkloadConfig& w, const GpuSpec& gpu) {
    ScheduleConfig s;
    if (w.micro_batches == 1) s.overlap = OverlapSchedule::Sequential;
    const auto o = root.optional_object("schedule");
    if (!o) return s;
    o->finish({"overlap", "compute_sms", "comm_sms"});
    s.overlap = o->choice("overlap", kOverlapSchedules, s.overlap, "overlap schedule");
    if (s.overlap != OverlapSchedule::Sequential && w.micro_batches != 2)
        o->fail("overlap", "\"" + std::string(to_string(s.overlap)) + "\" needs workload.micro_batches = 2, got " +
                               std::to_string(w.micro_batches));
    if (s.overlap == OverlapSchedule::DualPipeChunkPair && w.phase != Phase::Prefill)
        o->fail("overlap", "\"dualpipe_chunk_pair\" (training) runs on the prefill unit with workload.phase = "
                           "\"prefill\" (forward shapes are prefill shapes)");
    s.comm_sms    = int(o->integer_in("comm_sms", s.comm_sms, 0, gpu.num_sms - 1));
    s.compute_sms = int(o->integer_in("compute_sms", gpu.num_sms - s.comm_sms, 1, gpu.num_sms));
    if (s.compute_sms + s.comm_sms > gpu.num_sms)
        o->fail("compute_sms", std::to_string(s.compute_sms) + " + comm_sms " + std::to_string(s.comm_sms) +
                                   " exceeds the GPU's " + std::to_string(gpu.num_sms) + " SMs");
    return s;
}

ComputeConfig parse_compute(const JsonObject& root, const fs::path& base_dir) {
    ComputeConfig c;
    const auto o = root.optional_object("compute");
    if (!o) return c;
    o->finish({"source", "profile_path", "calibration"});
    c.source = o->choice("source", kComputeSources, c.source, "compute source");
    if (c.source == ComputeSource::Profile) {
        if (!o->has("profile_path")) o->fail_here("missing required key \"profile_path\" for source \"profile\"");
        c.profile_path = resolve_input(*o, "profile_path", base_dir);
    } else if (o->has("profile_path")) {
        o->fail("profile_path", "only used with \"source\": \"profile\"");
    }
    if (o->has("calibration")) c.calibration_path = resolve_input(*o, "calibration", base_dir);
    return c;
}

NetworkConfig parse_network(const JsonObject& root) {
    NetworkConfig n;
    const auto o = root.optional_object("network");
    if (!o) return n;
    if (o->has("low_latency_nvlink"))
        o->fail("low_latency_nvlink", "removed: the DeepEP generation decides it; use \"deepep\": "
                                      "\"v1_2025_06_nvlink\" (network.deepep) for low-latency kernels over "
                                      "NVLink inside a node");
    o->finish({"simgrid_model", "crosstraffic", "all_to_all", "backend", "deepep", "calibration"});
    if (o->has("deepep")) {
        const std::string name = o->string("deepep");
        const auto g           = deepep_generation_from_string(name);
        if (!g) {
            std::vector<std::string_view> names;
            for (const DeepEpGenerationInfo& i : deepep_generations())
                names.push_back(i.name);
            o->fail("deepep", unknown_name_message("DeepEP generation", name, names));
        }
        n.deepep      = *g;
        n.calibration = deepep_calibration(*g); // the generation's fit; `calibration` overrides keys of it
    }
    // SimGrid's own spelling of its network models (the one exception to lowercase names).
    n.simgrid_model = o->choice("simgrid_model", {"CM02", "LV08", "SMPI"}, n.simgrid_model, "SimGrid network model");
    n.crosstraffic  = o->boolean("crosstraffic", n.crosstraffic);
    n.all_to_all    = o->choice("all_to_all", kAllToAllModes, n.all_to_all, "all-to-all mode");
    n.backend       = o->choice("backend", kCommBackends, n.backend, "network backend");
    if (auto c = o->optional_object("calibration")) {
        c->finish({"nvlink_efficiency", "ib_efficiency", "pcie_efficiency", "normal_overhead_us",
                   "low_latency_overhead_us", "chunk_bytes", "ibrc_chunk_stall_us", "ll_nvlink_message_ns",
                   "ll_rdma_after_nvlink", "saturating_sms"});
        NetworkCalibration& cal = n.calibration;
        const auto share        = [&](std::string_view key, double fallback) {
            const double v = c->positive(key, fallback);
            if (v > 1) c->fail(key, "a share of the nominal bandwidth must be within (0, 1], got " + format_number(v));
            return v;
        };
        cal.nvlink_efficiency      = share("nvlink_efficiency", cal.nvlink_efficiency);
        cal.ib_efficiency          = share("ib_efficiency", cal.ib_efficiency);
        cal.pcie_efficiency        = share("pcie_efficiency", cal.pcie_efficiency);
        cal.normal_overhead_s      = c->non_negative("normal_overhead_us", cal.normal_overhead_s / kUs) * kUs;
        cal.low_latency_overhead_s = c->non_negative("low_latency_overhead_us", cal.low_latency_overhead_s / kUs) * kUs;
        cal.chunk_bytes            = c->non_negative("chunk_bytes", cal.chunk_bytes);
        cal.ibrc_chunk_stall_s     = c->non_negative("ibrc_chunk_stall_us", cal.ibrc_chunk_stall_s / kUs) * kUs;
        cal.ll_nvlink_message_s    = c->non_negative("ll_nvlink_message_ns", cal.ll_nvlink_message_s * 1e9) * 1e-9;
        cal.ll_rdma_after_nvlink   = c->non_negative("ll_rdma_after_nvlink", cal.ll_rdma_after_nvlink);
        if (cal.ll_rdma_after_nvlink > 1)
            c->fail("ll_rdma_after_nvlink", "a share of the NVLink stores must be within [0, 1], got " +
                                                format_number(cal.ll_rdma_after_nvlink));
        cal.saturating_sms = int(c->integer_in("saturating_sms", cal.saturating_sms, 2, 1024));
    }
    return n;
}

OutputConfig parse_output(const JsonObject& root, const std::string& name) {
    OutputConfig out;
    out.dir      = fs::path("out") / name;
    const auto o = root.optional_object("output");
    if (!o) return out;
    o->finish({"dir", "result_json", "trace", "csv"});
    if (o->has("dir")) out.dir = o->string("dir");
    out.result_json = o->boolean("result_json", out.result_json);
    out.trace       = o->boolean("trace", out.trace);
    out.csv         = o->boolean("csv", out.csv);
    return out;
}

// serving.prefill / serving.decode: the pool's own "routing" and "balancer" (whole sections, read as the
// top-level ones are, checked against the pool's unit); serving_json.cpp lets the keys through.
void parse_pool_unit_settings(const JsonObject& serving, Scenario& s, const ModelSpec& m, const fs::path& base_dir) {
    for (const bool prefill : {true, false}) {
        const auto pool = serving.optional_object(prefill ? "prefill" : "decode");
        if (!pool) continue;
        const DeploymentUnit& unit = prefill ? *s.deployment.prefill : *s.deployment.decode;
        PoolUnitSettings& out      = prefill ? s.serving_prefill_unit : s.serving_decode_unit;
        if (pool->has("routing")) out.routing = parse_routing(*pool, m, unit, base_dir);
        if (pool->has("balancer"))
            out.balancer = parse_balancer(*pool, unit, out.routing.value_or(s.routing), base_dir);
    }
}

} // namespace

Scenario parse_scenario(std::string_view text, const std::string& origin, const fs::path& base_dir) {
    const nlohmann::json j = parse_json_text(text, origin);
    const JsonObject root(j, "", origin);
    root.finish({"name", "description", "seed", "allow_not_fitting", "model", "hardware", "cluster", "deployment",
                 "precision", "routing", "balancer", "workload", "schedule", "compute", "network", "output", "serving",
                 "training", "offload"});
    Scenario s;
    s.source = origin;
    s.name   = root.string("name");
    if (s.name.empty() || s.name.find_first_of("/\\ ") != std::string::npos)
        root.fail("name", "expected a non-empty name without spaces or slashes, got \"" + s.name + "\"");
    s.description            = root.string("description", "");
    s.seed                   = uint64_t(root.integer_in("seed", 1, 0, INT64_MAX));
    s.allow_not_fitting      = root.boolean("allow_not_fitting", false);
    s.model                  = parse_model(root);
    const ModelSpec& model   = find_model(s.model.name);
    s.gpu                    = parse_hardware(root);
    const JsonObject cluster = root.object("cluster");
    s.cluster                = parse_cluster(cluster, s.gpu);

    const JsonObject dep = root.object("deployment");
    dep.finish({"prefill", "decode"});
    if (auto u = dep.optional_object("prefill")) s.deployment.prefill = parse_unit(*u, s.cluster, model);
    if (auto u = dep.optional_object("decode")) s.deployment.decode = parse_unit(*u, s.cluster, model);
    if (!s.deployment.prefill && !s.deployment.decode) dep.fail_here("expected a \"prefill\" or a \"decode\" unit");
    // Without cluster.num_nodes: the units' nodes (disaggregated: prefill and decode on their own nodes).
    if (s.cluster.num_nodes == 0)
        s.cluster.num_nodes = (s.deployment.prefill ? s.deployment.prefill->num_nodes : 0) +
                              (s.deployment.decode ? s.deployment.decode->num_nodes : 0);
    check_cluster(cluster, s.cluster);

    s.precision = parse_precision_config(root);
    check_weight_formats(root, s.precision, s.gpu);
    const bool training = is_training_scenario(root); // sim/scenario_training_json.cpp
    if (training) {
        parse_training(root, s);
    } else {
        if (root.has("training")) root.fail("training", "needs workload.phase = \"training\"");
        s.workload = parse_workload(root, s.deployment);
    }
    if (s.workload.mtp_draft_tokens > 0 && model.num_mtp_modules == 0)
        root.fail("workload.mtp", s.model.name + " has no multi-token-prediction module");
    const DeploymentUnit& unit = s.active_unit();
    s.routing                  = parse_routing(root, model, unit, base_dir);
    s.balancer                 = parse_balancer(root, unit, s.routing, base_dir);
    parse_offload(root, s); // sim/scenario_offload_json.cpp
    if (!training) s.schedule = parse_schedule(root, s.workload, s.gpu);
    s.compute = parse_compute(root, base_dir);
    s.network = parse_network(root);
    s.output  = parse_output(root, s.name);
    if (auto o = root.optional_object("serving")) {
        s.serving = serving::parse_serving(*o, s, base_dir);
        parse_pool_unit_settings(*o, s, model, base_dir);
    }
    check_physical_bounds(s); // every physical value finite and plausible, in SI units (sim/scenario_bounds.hpp)
    return s;
}

Scenario parse_scenario(std::string_view text, const std::string& origin) {
    return parse_scenario(text, origin, fs::current_path());
}

Scenario load_scenario(const fs::path& path) {
    const std::string text = read_file(path);
    const fs::path base    = path.has_parent_path() ? path.parent_path() : fs::path(".");
    return parse_scenario(text, path.string(), base);
}

} // namespace moetwin
