// SPDX-License-Identifier: Apache-2.0
// The list of placement policies `moetwin balance --policy` accepts, in the order it prints them.
#include "sim/balancer/placement.hpp"
#include "sim/balancer/placement/policies.hpp"

#include "common/errors.hpp"
#include "common/name_table.hpp"

#include <array>
#include <string>
#include <vector>

namespace moetwin::balancer {
namespace {
constexpr std::array kPolicies = {
    PlacementPolicy{"none", "contiguous layout, no redundant experts", &place_none},
    PlacementPolicy{"replicate_hottest", "contiguous + copies of the hottest experts on the lightest GPUs",
                    &place_replicate_hottest},
    PlacementPolicy{"eplb", "deepseek-ai/EPLB's choice: hierarchical when groups divide over nodes, else global",
                    &place_eplb},
    PlacementPolicy{"eplb_hierarchical", "deepseek-ai/EPLB: groups → nodes, replicas within nodes",
                    &place_eplb_hierarchical},
    PlacementPolicy{"eplb_global", "deepseek-ai/EPLB: replicas and packing over all GPUs", &place_eplb_global},
    PlacementPolicy{"lpt_swap", "ours: EPLB replica counts, global LPT packing + swap local search", &place_lpt_swap},
    PlacementPolicy{"group_affine",
                    "ours: groups stay on home nodes (fewer IB bytes), redundant replicas "
                    "balance nodes, LPT + swaps per node",
                    &place_group_affine},
    PlacementPolicy{"minmax_swap",
                    "ours: lpt_swap, then swaps judged by load_aware's exact min-max split (the busiest GPU it pays)",
                    &place_minmax_swap, true},
    PlacementPolicy{"joint_minmax", "ours: replica counts and pairing chosen together for the min-max split",
                    &place_joint_minmax, true},
    PlacementPolicy{"tree_partition",
                    "ours, 2 slots per GPU, for load_aware/least_loaded dispatch: experts partitioned into trees the "
                    "min-max split serves exactly (other units: joint_minmax)",
                    &place_tree_partition, true},
    PlacementPolicy{"replica_ring",
                    "ours, for load_aware/least_loaded dispatch: replicated experts chained into one ring through "
                    "every GPU, so the min-max split can move any GPU's surplus on loads it was not fitted on "
                    "(units with fewer redundant slots than GPUs: tree_partition)",
                    &place_replica_ring, true},
    PlacementPolicy{"group_ring",
                    "ours, for load_aware/least_loaded dispatch: replica_ring with each expert group on its home node "
                    "(fewer IB bytes, as group_affine) and the ring crossing nodes at every link",
                    &place_group_ring, true},
};
} // namespace

std::span<const PlacementPolicy> placement_policies() {
    return kPolicies;
}

const PlacementPolicy& find_placement_policy(std::string_view name) {
    std::vector<std::string_view> names;
    for (const auto& p : kPolicies) {
        if (p.name == name) return p;
        names.push_back(p.name);
    }
    throw ConfigError(unknown_name_message("placement policy", name, names));
}

} // namespace moetwin::balancer
