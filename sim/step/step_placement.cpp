// SPDX-License-Identifier: Apache-2.0
// place_step_experts(): policy placement, with the shared expert's dedicated slots spliced in.
#include "sim/step/step_placement.hpp"

#include "common/errors.hpp"
#include "engine/model_spec.hpp"
#include "sim/balancer/active_set.hpp"
#include "sim/balancer/external/placement_command.hpp"
#include "sim/balancer/external/placement_json.hpp"
#include "sim/balancer/recent_load.hpp"
#include "sim/step/expert_popularity.hpp"

#include <numeric>
#include <string>

namespace moetwin::step {
namespace {

// The loads the placement is fitted on: balancer.fit_loads_path read as routing's file popularity
// would be (same layers, same scale), else the popularity the tokens are sampled from.
ExpertLoad fit_loads(const Scenario& s, const ExpertLoad& pop) {
    if (s.balancer.fit_loads_path.empty()) return pop;
    Scenario f            = s;
    f.routing.popularity  = ExpertPopularity::File;
    f.routing.loads_path  = s.balancer.fit_loads_path;
    const ModelSpec& full = find_model(s.model.name);
    return expert_popularity(f, full, with_layers(full, s.model.num_dense_layers, s.model.num_moe_layers));
}

// balancer.policy on `spec`: a registered policy, the placement file, or the placement command.
balancer::Placement place(const Scenario& s, const ExpertLoad& load, const balancer::PlacementSpec& spec) {
    const BalancerConfig& b = s.balancer;
    if (b.policy == balancer::kPlacementFromFile)
        return balancer::load_placement_file(b.placement_path, load.num_layers, load.num_experts, spec);
    if (b.policy == balancer::kPlacementFromCommand)
        return balancer::place_with_command({b.command, b.command_timeout_s, b.command_dir}, load, spec);
    return balancer::find_placement_policy(b.policy).place(load, spec);
}

} // namespace

StepPlacement place_step_experts(const Scenario& s, const ExpertLoad& popularity) {
    const DeploymentUnit& unit = s.active_unit();
    StepPlacement out;
    // Every slot of the unit: routed + redundant + shared-expert ones. Without shared-expert slots the
    // count may be uneven (some GPUs hold one fewer: PlacementSpec's layout); with them the parser
    // requires an even one, ep_size × routed_experts_per_gpu.
    out.spec.num_slots  = unit.shared_expert_slots > 0
                              ? unit.ep_size * unit.routed_experts_per_gpu
                              : find_model(s.model.name).num_routed_experts + unit.redundant_experts;
    out.spec.num_groups = s.routing.num_groups;
    out.spec.num_nodes  = unit.num_nodes;
    out.spec.num_gpus   = unit.ep_size;
    const int E         = popularity.num_experts;
    const int k         = unit.shared_expert_slots;
    if (popularity.num_layers == 0) { // no MoE layer: the spec only
        out.spec.validate(E);
        return out;
    }
    const ExpertLoad pop = fit_loads(s, popularity);
    if (k == 0) {
        out.spec.validate(E);
        out.placement = place(s, pop, out.spec);
        balancer::check_placement(out.placement, out.spec);
        if (s.balancer.hosted_experts_per_gpu > 0) { // dynamic redundancy: the step's active set
            const balancer::PlacementSpec hs = balancer::hosted_spec(out.spec, s.balancer.hosted_experts_per_gpu);
            const balancer::Placement hosted = balancer::place_hosted(out.placement, out.spec, hs, pop);
            // The step's own loads, or what the last N steps of them would have shown.
            ExpertLoad recent = popularity;
            if (s.balancer.active_set_sample_steps > 0) {
                const auto& w               = s.workload;
                const double tokens_per_gpu = w.phase == Phase::Decode
                                                  ? double(w.requests_per_gpu) * (1 + w.mtp_draft_tokens)
                                                  : double(w.tokens_per_gpu);
                balancer::RecentLoadSpec rs;
                rs.steps          = s.balancer.active_set_sample_steps;
                rs.pairs_per_step = double(unit.ep_size) * tokens_per_gpu * find_model(s.model.name).top_k;
                rs.seed           = s.seed;
                recent            = balancer::sample_recent_load(popularity, rs);
            }
            out.placement = balancer::select_active(hosted, hs, out.spec, recent);
            balancer::check_placement(out.placement, out.spec);
        }
        return out;
    }
    // Which slots hold the shared expert.
    MOETWIN_ASSERT(out.spec.even_slots(), "shared-expert slots with an uneven layout passed the parser");
    const int spg = out.spec.max_slots_per_gpu(), n = unit.ep_size;
    std::vector<char> shared(std::size_t(out.spec.num_slots), 0);
    if (k % n == 0 && k / n < spg) {
        for (int g = 0; g < n; ++g)
            for (int j = spg - k / n; j < spg; ++j)
                shared[std::size_t(g * spg + j)] = 1;
    } else if (spg == 1 && n % k == 0 && k < n) {
        for (int i = 0; i < k; ++i)
            shared[std::size_t((i + 1) * (n / k) - 1)] = 1;
    } else {
        throw ConfigError("deployment.shared_expert_slots: " + std::to_string(k) +
                          " slots must be a multiple of ep_size (" + std::to_string(n) +
                          ", the same number on every GPU) or, with one slot per GPU, divide ep_size");
    }
    // The routed experts' unit: the remaining slots in order.
    balancer::PlacementSpec routed = out.spec;
    routed.num_slots               = out.spec.num_slots - k;
    routed.num_gpus                = k % n == 0 ? n : n - k;
    routed.num_nodes               = std::gcd(routed.num_gpus, unit.num_nodes);
    routed.validate(E);
    const balancer::Placement rp = place(s, pop, routed);
    balancer::check_placement(rp, routed);

    std::vector<int> phy2log(std::size_t(pop.num_layers) * std::size_t(out.spec.num_slots));
    for (int l = 0; l < pop.num_layers; ++l) {
        const auto rs = rp.slots(l);
        int next      = 0;
        for (int sl = 0; sl < out.spec.num_slots; ++sl)
            phy2log[std::size_t(l) * std::size_t(out.spec.num_slots) + std::size_t(sl)] =
                shared[std::size_t(sl)] ? E : rs[std::size_t(next++)];
    }
    out.placement     = balancer::make_placement(pop.num_layers, E + 1, out.spec.num_slots, std::move(phy2log));
    out.shared_expert = E;
    return out;
}

} // namespace moetwin::step
