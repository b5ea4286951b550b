// SPDX-License-Identifier: Apache-2.0
// place_step_experts(): the expert placement of a step: the balancer's policy over the routed
// experts, and with deployment.shared_expert_slots (tech report EP320 decode) the shared expert as
// one more logical expert (id = num_routed_experts) in its dedicated slots.
#pragma once

#include "moe/expert_load.hpp"
#include "sim/balancer/placement.hpp"
#include "sim/scenario.hpp"

namespace moetwin::step {

struct StepPlacement {
    balancer::PlacementSpec spec; // the whole unit: ep_size GPUs, all its slots (possibly uneven)
    balancer::Placement placement;
    int shared_expert = -1; // logical id of the slot-served shared expert, -1: none
};

// Contract: pure and deterministic in (scenario, pop), except that balancer.policy "command" runs the
// user's program (as deterministic as it is); pop without layers: the spec only (validated). The
// placement is fitted on balancer.fit_loads_path when given (read like routing's file popularity),
// else on pop; "file" and "command" placements cover the routed slots only (the spec below).
// With balancer.hosted_experts_per_gpu (dynamic redundancy, no shared-expert slots): the policy's
// placement is the base of the hosted set (balancer::place_hosted, fitted on the fit loads) and the
// step runs the active set balancer::select_active chooses from pop, the step's loads (the recent
// loads of a refresh every step, or of a stationary run), or with balancer.active_set_sample_steps N
// from balancer::sample_recent_load(pop) over N steps of ep_size × tokens per GPU (decode: requests
// × (1 + MTP drafts); prefill: tokens_per_gpu) × top-k pairs, seeded by the scenario's seed.
// Without shared-expert slots: the policy on
// the whole spec. With k shared-expert slots, which slots hold the shared expert:
//  - k a multiple of ep_size: the last k / ep_size slots of every GPU;
//  - one slot per GPU and ep_size a multiple of k: the last GPU of every ep_size / k consecutive
//    GPUs (EP320, k = 32: GPUs 9, 19, ..., spread over the nodes);
//  - anything else: ConfigError.
// The policy then places the routed experts (and the redundant ones) in the remaining slots, seen
// as a unit of their own whose node count is gcd(its GPUs, num_nodes) (node-aware policies see
// that grouping, not the real nodes, when dedicated GPUs make the real one uneven).
StepPlacement place_step_experts(const Scenario& s, const ExpertLoad& pop);

} // namespace moetwin::step
