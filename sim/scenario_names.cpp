// SPDX-License-Identifier: Apache-2.0
// The named scenario keys, gathered from the libraries' tables.
#include "sim/scenario_names.hpp"

#include "engine/gpu_spec.hpp"
#include "engine/host_cpu.hpp"
#include "engine/model_spec.hpp"
#include "sim/balancer/dispatch.hpp"
#include "sim/balancer/placement.hpp"
#include "sim/published/deepep_generation.hpp"
#include "sim/scenario.hpp"

#include <algorithm>
#include <ostream>

namespace moetwin {
namespace {

template <class E, std::size_t N> NamedKey from_table(std::string key, const std::array<NameEntry<E>, N>& t) {
    NamedKey k{std::move(key), {}};
    for (const NameEntry<E>& e : t)
        k.choices.push_back({std::string(e.name), std::string(e.description)});
    return k;
}

template <class Range, class Describe> NamedKey from_catalogue(std::string key, const Range& r, Describe describe) {
    NamedKey k{std::move(key), {}};
    for (const auto& e : r)
        k.choices.push_back({std::string(e.name), describe(e)});
    return k;
}

} // namespace

std::vector<NamedKey> scenario_named_keys() {
    std::vector<NamedKey> keys;
    keys.push_back(from_catalogue("model.name", model_catalogue(), [](const ModelSpec& m) { return m.display_name; }));
    keys.push_back(from_catalogue("hardware.gpu", gpu_catalogue(), [](const GpuSpec& g) { return g.display_name; }));
    keys.push_back(from_table("cluster.fabric", kFabricKinds));
    for (const char* p : {"expert_weights", "dense_weights", "kv_cache", "dispatch", "combine"})
        keys.push_back(from_table(std::string("precision.") + p, kPrecisions));
    keys.push_back(from_table("routing.popularity.distribution", kExpertPopularities));
    keys.push_back(from_catalogue("routing.replica_policy", balancer::dispatch_policies(),
                                  [](const balancer::DispatchPolicy& p) { return std::string(p.intent); }));
    keys.push_back(from_catalogue("balancer.policy", balancer::placement_policies(),
                                  [](const balancer::PlacementPolicy& p) { return std::string(p.intent); }));
    keys.push_back(from_table("workload.phase", kPhases));
    keys.push_back(from_table("workload.context.distribution", kContextDistributions));
    keys.push_back(from_table("schedule.overlap", kOverlapSchedules));
    keys.push_back(from_table("compute.source", kComputeSources));
    keys.push_back(from_table("network.all_to_all", kAllToAllModes));
    keys.push_back(from_table("network.backend", kCommBackends));
    keys.push_back(from_catalogue("network.deepep", deepep_generations(),
                                  [](const DeepEpGenerationInfo& g) { return std::string(g.what); }));
    keys.push_back(
        from_catalogue("offload.host_cpu", host_cpu_catalogue(), [](const HostCpuSpec& c) { return c.display_name; }));
    return keys;
}

void print_scenario_names(std::ostream& out) {
    for (const NamedKey& k : scenario_named_keys()) {
        out << k.key << '\n';
        std::size_t w = 0;
        for (const NamedChoice& c : k.choices)
            w = std::max(w, c.name.size());
        for (const NamedChoice& c : k.choices)
            out << "  " << c.name << std::string(w + 2 - c.name.size(), ' ') << c.description << '\n';
    }
}

} // namespace moetwin
