// SPDX-License-Identifier: Apache-2.0
// Dynamic redundancy (DeepSeek-V3 tech report §3.4: prefill GPUs host 16 experts, 9 active per step):
// a GPU hosts more expert weights than it activates, and which hosted replicas are active is chosen
// per step (or per refresh) from the recent loads. The hosted set is an ordinary placement over
// hosted_per_gpu × num_gpus slots (any placement policy fits it); the active set is an ordinary
// placement over the unit's slots, so dispatch, traffic and metrics take it unchanged.
#pragma once

#include "moe/expert_load.hpp"
#include "sim/balancer/placement.hpp"

namespace moetwin::balancer {

// The hosted unit: the active spec with hosted_per_gpu slots on every GPU (same GPUs, nodes, groups).
// Throws ConfigError when hosted_per_gpu < the active spec's max_slots_per_gpu().
PlacementSpec hosted_spec(const PlacementSpec& active, int hosted_per_gpu);

// Contract: pure and deterministic. The hosted set for dynamic redundancy: GPU g hosts base's
// experts (a placement for `active`, from any policy) in its first active.slots_on_gpu(g) hosted
// slots, so base is always a valid active set, and extra copies in the rest: per layer, by D'Hondt
// over load + the layer's mean expert load (the prior that any expert may turn as hot as the mean:
// copies go to the hot experts and, past them, spread over the rest), each copy on the GPU with the
// least hosted load (each hosted copy carrying load / copies) that has a free slot and does not host
// that expert yet. Throws ConfigError when shapes differ.
Placement place_hosted(const Placement& base, const PlacementSpec& active, const PlacementSpec& hosted,
                       const ExpertLoad& load);

// Contract: pure and deterministic. For every layer, chooses on each GPU g active.slots_on_gpu(g)
// of the experts it hosts (hosted.slots(layer) on hs.gpu_of_slot), starting from the first
// active.slots_on_gpu(g) hosted slots of every GPU (place_hosted's layout: its base placement) and
// improving the busiest GPU's load under the even split of recent_load by local search (an active
// expert swapped for one the GPU hosts idle; a sole replica first activated where it is hosted
// idle, in place of an expert with another active replica). Every expert stays active at least
// once, no GPU runs an expert twice unless the start did, and the busiest GPU never gets heavier
// than the start's. Returns a placement for `active`. Throws ConfigError when shapes differ or the
// start leaves an expert without an active replica.
Placement select_active(const Placement& hosted, const PlacementSpec& hosted_spec, const PlacementSpec& active,
                        const ExpertLoad& recent_load);

} // namespace moetwin::balancer
