// SPDX-License-Identifier: Apache-2.0
// Reader and writer of the scenario's `offload` section (scenarios/README.md, "offload").
#include "sim/scenario_offload_json.hpp"
#include "sim/scenario_bounds.hpp"

#include "common/errors.hpp"
#include "common/units.hpp"
#include "engine/host_cpu.hpp"
#include "engine/model_spec.hpp"

namespace moetwin {

using units::kGB;

void parse_offload(const JsonObject& root, Scenario& s) {
    const auto oo = root.optional_object("offload");
    if (!oo) return;
    const JsonObject& o = *oo;
    o.finish({"enabled", "host_cpu", "host_memory_GB", "host_memory_bandwidth_GBps", "host_bridge_bandwidth_GBps",
              "policy", "on_miss", "resident_experts_per_gpu", "prefetch", "history_steps", "cpu_cores",
              "cpu_GFLOPS_per_core"});
    OffloadConfig c;
    c.enabled = o.boolean("enabled");
    if (!c.enabled) {
        if (o.raw().size() > 1) o.fail_here("offload is disabled (enabled: false): remove its other keys");
        return;
    }
    if (s.training)
        o.fail("enabled", "expert offloading is modelled for serving steps (decode, prefill), not training");
    const ModelSpec& m = find_model(s.model.name);
    if (m.is_dense()) o.fail("enabled", s.model.name + " is a dense model: it has no routed experts to offload");
    if (s.balancer.hosted_experts_per_gpu > 0)
        o.fail("enabled", "cannot be combined with balancer.hosted_experts_per_gpu (dynamic redundancy)");
    if (!o.has("host_memory_GB"))
        o.fail("host_memory_GB", "offloading needs the host memory per node that holds the offloaded experts");
    c.host_memory_bytes = o.positive("host_memory_GB") * kGB;
    // The host CPU's catalogue figures are the defaults of its memory bandwidth and CPU roofline.
    const HostCpuSpec* cpu = nullptr;
    if (o.has("host_cpu")) {
        c.host_cpu = o.string("host_cpu");
        try {
            cpu = &find_host_cpu(c.host_cpu);
        } catch (const ConfigError& e) {
            o.fail("host_cpu", e.what());
        }
    }
    if (!o.has("host_memory_bandwidth_GBps") && !cpu)
        o.fail("host_memory_bandwidth_GBps",
               "offloading needs the host memory bandwidth per node (or a host_cpu from the catalogue)");
    c.host_memory_bandwidth_Bps = o.has("host_memory_bandwidth_GBps") ? o.positive("host_memory_bandwidth_GBps") * kGB
                                                                      : cpu->memory_bandwidth_Bps();
    c.host_bridge_bandwidth_Bps = o.non_negative("host_bridge_bandwidth_GBps", 0) * kGB;
    c.policy                    = o.choice("policy", kResidencyPolicies, c.policy, "residency policy");
    c.miss                      = o.choice("on_miss", kOffloadMisses, c.miss, "offload miss handling");
    const DeploymentUnit& unit  = s.active_unit();
    c.resident_experts_per_gpu =
        int(o.integer_in("resident_experts_per_gpu", -1, -1, int64_t(unit.routed_experts_per_gpu)));
    c.prefetch      = o.boolean("prefetch", c.prefetch);
    c.history_steps = int(read_bounded_integer(o, "history_steps", "offload.history_steps", c.history_steps));
    if (c.miss == OffloadMiss::CpuCompute) {
        if (!cpu && (!o.has("cpu_cores") || !o.has("cpu_GFLOPS_per_core")))
            o.fail(o.has("cpu_cores") ? "cpu_GFLOPS_per_core" : "cpu_cores",
                   "on_miss \"compute_on_cpu\" needs cpu_cores and cpu_GFLOPS_per_core (the CPU's roofline), or a "
                   "host_cpu from the catalogue");
        c.cpu_cores =
            o.has("cpu_cores") ? int(read_bounded_integer(o, "cpu_cores", "offload.cpu_cores")) : cpu->cores();
        c.cpu_flops_per_core =
            o.has("cpu_GFLOPS_per_core") ? o.positive("cpu_GFLOPS_per_core") * 1e9 : cpu->flops_per_core();
    } else if (o.has("cpu_cores") || o.has("cpu_GFLOPS_per_core")) {
        o.fail(o.has("cpu_cores") ? "cpu_cores" : "cpu_GFLOPS_per_core", "only read with on_miss \"compute_on_cpu\"");
    }
    s.offload = c;
}

nlohmann::json offload_to_json(const OffloadConfig& c) {
    nlohmann::json j = {{"enabled", c.enabled},
                        {"host_memory_GB", c.host_memory_bytes / kGB},
                        {"host_memory_bandwidth_GBps", c.host_memory_bandwidth_Bps / kGB},
                        {"host_bridge_bandwidth_GBps", c.host_bridge_bandwidth_Bps / kGB},
                        {"policy", std::string(to_string(c.policy))},
                        {"on_miss", std::string(to_string(c.miss))},
                        {"resident_experts_per_gpu", c.resident_experts_per_gpu},
                        {"prefetch", c.prefetch},
                        {"history_steps", c.history_steps}};
    if (!c.host_cpu.empty()) j["host_cpu"] = c.host_cpu;
    if (c.miss == OffloadMiss::CpuCompute) {
        j["cpu_cores"]           = c.cpu_cores;
        j["cpu_GFLOPS_per_core"] = c.cpu_flops_per_core / 1e9;
    }
    return j;
}

} // namespace moetwin
