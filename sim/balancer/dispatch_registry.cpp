// SPDX-License-Identifier: Apache-2.0
// The list of dispatch policies `moetwin balance --dispatch` accepts.
#include "sim/balancer/dispatch.hpp"

#include "common/errors.hpp"
#include "common/name_table.hpp"

#include <array>
#include <string>
#include <vector>

namespace moetwin::balancer {
namespace {
constexpr std::array kPolicies = {
    DispatchPolicy{"round_robin", "each expert cycles through its replicas", &dispatch_round_robin},
    DispatchPolicy{"least_loaded", "replica on the GPU with the fewest pairs so far", &dispatch_least_loaded},
    DispatchPolicy{"same_node_first", "source GPU, then source node, then an already-targeted node",
                   &dispatch_same_node_first},
    DispatchPolicy{"load_aware",
                   "per micro-batch, all-gathered expert counts, exact min-max split over replicas, tokens matched to "
                   "the replicas' quotas same GPU, then same node, then the rest",
                   &dispatch_load_aware, true},
};
} // namespace

std::span<const DispatchPolicy> dispatch_policies() {
    return kPolicies;
}

const DispatchPolicy& find_dispatch_policy(std::string_view name) {
    std::vector<std::string_view> names;
    for (const auto& p : kPolicies) {
        if (p.name == name) return p;
        names.push_back(p.name);
    }
    throw ConfigError(unknown_name_message("dispatch policy", name, names));
}

} // namespace moetwin::balancer
