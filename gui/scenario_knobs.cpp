// SPDX-License-Identifier: Apache-2.0
// Scenario knobs <-> scenario JSON text (nlohmann::ordered_json keeps the user's key order).
#include "gui/scenario_knobs.hpp"

#include "common/errors.hpp"
#include "common/json_reader.hpp"
#include "engine/gpu_spec.hpp"
#include "engine/model_spec.hpp"
#include "sim/balancer/dispatch.hpp"
#include "sim/balancer/placement.hpp"
#include "sim/scenario.hpp"
#include "sim/scenario_enums.hpp"
#include "topologies/cluster_spec.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <sstream>

namespace moetwin::gui {
namespace {

using Json = nlohmann::ordered_json;

[[noreturn]] void fail(const std::string& file, const std::string& path, const std::string& what) {
    throw ConfigError(file + ": " + path + ": " + what);
}

// Strict as every moetwin reader (common/json_reader.hpp: duplicates, depth, number range, positions), then
// parsed again keeping the user's key order for writing back.
Json parse(std::string_view text, const std::string& file) {
    (void)parse_json_text(text, file);
    Json j = Json::parse(text.begin(), text.end());
    if (!j.is_object()) fail(file, "(top level)", "expected a scenario object");
    return j;
}

// The knob at key[0].key[1]..., or `dflt` when absent; read through the common reader (integers range-checked
// before narrowing to int, so 4294967304 is an error rather than 8).
template <class T> T read_at(const JsonObject& o, const char* const* key, const char* const* end, T dflt) {
    if (!o.has(*key)) return dflt;
    if (key + 1 != end) return read_at(o.object(*key), key + 1, end, dflt);
    if constexpr (std::is_same_v<T, std::string>)
        return o.string(*key);
    else if constexpr (std::is_integral_v<T>)
        return T(o.integer_in(*key, INT32_MIN, INT32_MAX));
    else
        return o.number(*key);
}

template <class T>
T get_or(const nlohmann::json& j, std::initializer_list<const char*> path, T dflt, const std::string& file) {
    return read_at(JsonObject(j, "", file), path.begin(), path.end(), dflt);
}

// Sets (v != unset) or erases (v == unset) the key at path, creating objects on the way.
template <class T> void put(Json& j, std::initializer_list<const char*> path, const T& v, const T& unset) {
    Json* cur       = &j;
    const auto last = path.end() - 1;
    for (auto it = path.begin(); it != last; ++it) {
        if (!cur->contains(*it)) {
            if (v == unset) return;
            (*cur)[*it] = Json::object();
        }
        cur = &(*cur)[*it];
    }
    if (v == unset)
        cur->erase(*last);
    else
        (*cur)[*last] = v;
}

// The scenario's own folder, against which its relative input paths resolve (as load_scenario does).
std::filesystem::path folder_of(const std::string& file) {
    std::error_code ec;
    return std::filesystem::absolute(std::filesystem::path(file), ec).parent_path();
}

// Input paths in a scenario are relative to its own folder; the re-run writes the scenario elsewhere, so they
// become absolute here (routing.popularity.path, balancer.fit_loads_path, compute.profile_path).
void absolutize_inputs(Json& j, const std::string& file) {
    namespace fs = std::filesystem;
    std::error_code ec;
    const fs::path base = fs::absolute(fs::path(file), ec).parent_path();
    for (const auto& path : {std::pair{"routing", "popularity"}, std::pair{"balancer", ""}, std::pair{"compute", ""}}) {
        Json* o = j.contains(path.first) ? &j[path.first] : nullptr;
        if (o && *path.second) o = o->is_object() && o->contains(path.second) ? &(*o)[path.second] : nullptr;
        if (!o || !o->is_object()) continue;
        for (const char* key : {"path", "fit_loads_path", "profile_path"}) {
            if (!o->contains(key) || !(*o)[key].is_string()) continue;
            const fs::path p((*o)[key].get<std::string>());
            if (p.is_relative()) (*o)[key] = (base / p).lexically_normal().string();
        }
    }
}

} // namespace

const KnobOptions& knob_options() {
    static const KnobOptions o = [] {
        KnobOptions k;
        const auto names = [](const auto& range) {
            std::vector<std::string> out;
            for (const auto& e : range)
                out.emplace_back(e.name);
            return out;
        };
        k.balancer_policies = names(balancer::placement_policies());
        k.replica_policies  = names(balancer::dispatch_policies());
        k.overlaps          = names(kOverlapSchedules);
        k.gpus              = names(gpu_catalogue());
        k.models            = names(model_catalogue());
        k.fabrics           = names(kFabricKinds);
        k.all_to_all_modes  = names(kAllToAllModes);
        return k;
    }();
    return o;
}

ScenarioKnobs read_knobs(std::string_view text, const std::string& file) {
    const nlohmann::json j = parse_json_text(text, file);
    if (!j.is_object()) fail(file, "(top level)", "expected a scenario object");
    ScenarioKnobs k;
    k.name  = get_or<std::string>(j, {"name"}, "", file);
    k.phase = get_or<std::string>(j, {"workload", "phase"}, "", file);
    if (k.phase != "decode" && k.phase != "prefill") fail(file, "workload.phase", "expected \"decode\" or \"prefill\"");
    const char* ph = k.phase.c_str();
    if (!j.contains("deployment") || !j["deployment"].is_object() || !j["deployment"].contains(ph))
        fail(file, "deployment." + k.phase, "missing (workload.phase names it)");
    k.gpus_per_node = get_or<int>(j, {"cluster", "gpus_per_node"}, 8, file);
    k.tp_size       = get_or<int>(j, {"deployment", ph, "tp_size"}, 1, file);
    // ep_size left out is derived by the scenario parser (sim/scenario_json.cpp), the one owner of that rule.
    k.ep_size = get_or<int>(j, {"deployment", ph, "ep_size"}, 0, file);
    if (k.ep_size == 0) k.ep_size = parse_scenario(text, file, folder_of(file)).active_unit().ep_size;
    k.redundant_experts = get_or<int>(j, {"deployment", ph, "redundant_experts"}, 0, file);
    k.balancer_policy   = get_or<std::string>(j, {"balancer", "policy"}, "", file);
    k.node_limit        = get_or<int>(j, {"routing", "node_limit"}, 0, file);
    k.batch_per_gpu =
        get_or<int>(j, {"workload", k.phase == "decode" ? "requests_per_gpu" : "tokens_per_gpu"}, 0, file);
    k.micro_batches  = get_or<int>(j, {"workload", "micro_batches"}, 0, file);
    k.overlap        = get_or<std::string>(j, {"schedule", "overlap"}, "", file);
    k.gpu            = get_or<std::string>(j, {"hardware", "gpu"}, "", file);
    k.nvlink_GBps    = get_or<double>(j, {"cluster", "nvlink", "bandwidth_GBps"}, 0.0, file);
    k.ib_GBps        = get_or<double>(j, {"cluster", "ib", "bandwidth_GBps"}, 0.0, file);
    k.model          = get_or<std::string>(j, {"model", "name"}, "", file);
    k.fabric         = get_or<std::string>(j, {"cluster", "fabric"}, "", file);
    k.replica_policy = get_or<std::string>(j, {"routing", "replica_policy"}, "", file);
    k.all_to_all     = get_or<std::string>(j, {"network", "all_to_all"}, "", file);
    return k;
}

std::string apply_knobs(std::string_view text, const ScenarioKnobs& k, const std::string& file) {
    const ScenarioKnobs old = read_knobs(text, file);
    Json j                  = parse(text, file);
    const char* ph          = old.phase.c_str();
    Json& dep               = j["deployment"][ph];
    const int gpn           = std::max(old.gpus_per_node, 1);

    if (k.ep_size != old.ep_size) {
        if (k.ep_size <= 0 || k.ep_size % gpn != 0)
            fail(file, "deployment." + old.phase + ".ep_size",
                 std::to_string(k.ep_size) + " is not a positive multiple of gpus_per_node (" + std::to_string(gpn) +
                     ")");
        if (k.ep_size % std::max(old.tp_size, 1) != 0)
            fail(file, "deployment." + old.phase + ".ep_size",
                 std::to_string(k.ep_size) + " is not a multiple of tp_size (" + std::to_string(old.tp_size) + ")");
        const int nodes      = k.ep_size / gpn;
        dep["ep_size"]       = k.ep_size;
        dep["num_nodes"]     = nodes;
        dep["dp_size"]       = k.ep_size / std::max(old.tp_size, 1);
        Json& cluster        = j["cluster"];
        const int cnodes     = cluster.contains("num_nodes") && cluster["num_nodes"].is_number_integer()
                                   ? cluster["num_nodes"].get<int>()
                                   : 0;
        cluster["num_nodes"] = std::max(cnodes, nodes);
        if (nodes > 1 && cluster.contains("fabric") && cluster["fabric"] == "single_node") cluster.erase("fabric");
        dep.erase("routed_experts_per_gpu");
    }
    if (k.redundant_experts != old.redundant_experts) {
        dep["redundant_experts"] = std::max(k.redundant_experts, 0);
        dep.erase("routed_experts_per_gpu");
    }
    if (k.balancer_policy != old.balancer_policy) put(j, {"balancer", "policy"}, k.balancer_policy, std::string());
    const int unit_nodes = (k.ep_size > 0 ? k.ep_size : old.ep_size) / gpn;
    const int node_limit = unit_nodes > 0 ? std::min(k.node_limit, unit_nodes) : k.node_limit; // M <= nodes
    if (node_limit != old.node_limit) put(j, {"routing", "node_limit"}, node_limit, 0);
    if (k.batch_per_gpu != old.batch_per_gpu)
        put(j, {"workload", old.phase == "decode" ? "requests_per_gpu" : "tokens_per_gpu"}, k.batch_per_gpu, 0);
    if (k.micro_batches != old.micro_batches) put(j, {"workload", "micro_batches"}, k.micro_batches, 0);
    if (k.overlap != old.overlap) put(j, {"schedule", "overlap"}, k.overlap, std::string());
    if (k.gpu != old.gpu) put(j, {"hardware", "gpu"}, k.gpu, std::string());
    if (k.nvlink_GBps != old.nvlink_GBps) put(j, {"cluster", "nvlink", "bandwidth_GBps"}, k.nvlink_GBps, 0.0);
    if (k.ib_GBps != old.ib_GBps) put(j, {"cluster", "ib", "bandwidth_GBps"}, k.ib_GBps, 0.0);
    if (k.model != old.model) put(j, {"model", "name"}, k.model, std::string());
    if (k.fabric != old.fabric) put(j, {"cluster", "fabric"}, k.fabric, std::string());
    if (k.replica_policy != old.replica_policy) put(j, {"routing", "replica_policy"}, k.replica_policy, std::string());
    if (k.all_to_all != old.all_to_all) put(j, {"network", "all_to_all"}, k.all_to_all, std::string());
    absolutize_inputs(j, file);
    std::string out = j.dump(2) + "\n";
    // The edit must be a scenario the simulator accepts: the real parser checks it (its ConfigError names
    // the file, the JSON path and what was expected) before a what-if run is started on it.
    (void)parse_scenario(out, file, folder_of(file));
    return out;
}

std::vector<std::string> knob_changes(const ScenarioKnobs& a, const ScenarioKnobs& b) {
    std::vector<std::string> out;
    const auto show = [](const auto& v) {
        std::ostringstream os;
        if constexpr (std::is_same_v<std::decay_t<decltype(v)>, std::string>)
            os << (v.empty() ? "(default)" : v);
        else if (v == 0)
            os << "(default)";
        else
            os << v;
        return os.str();
    };
    const auto diff = [&](const std::string& path, const auto& x, const auto& y) {
        if (x != y) out.push_back(path + ": " + show(x) + " -> " + show(y));
    };
    const std::string dep = "deployment." + a.phase + ".";
    diff(dep + "ep_size", a.ep_size, b.ep_size);
    diff(dep + "redundant_experts", a.redundant_experts, b.redundant_experts);
    diff("balancer.policy", a.balancer_policy, b.balancer_policy);
    diff("routing.node_limit", a.node_limit, b.node_limit);
    diff(a.phase == "decode" ? "workload.requests_per_gpu" : "workload.tokens_per_gpu", a.batch_per_gpu,
         b.batch_per_gpu);
    diff("workload.micro_batches", a.micro_batches, b.micro_batches);
    diff("schedule.overlap", a.overlap, b.overlap);
    diff("hardware.gpu", a.gpu, b.gpu);
    diff("cluster.nvlink.bandwidth_GBps", a.nvlink_GBps, b.nvlink_GBps);
    diff("cluster.ib.bandwidth_GBps", a.ib_GBps, b.ib_GBps);
    diff("model.name", a.model, b.model);
    diff("cluster.fabric", a.fabric, b.fabric);
    diff("routing.replica_policy", a.replica_policy, b.replica_policy);
    diff("network.all_to_all", a.all_to_all, b.all_to_all);
    return out;
}

} // namespace moetwin::gui
