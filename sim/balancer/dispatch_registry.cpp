// SPDX-License-Identifier: Apache-2.0
// The list of dispatch policies `moetwin balance --dispatch` accepts.
#include "sim/balancer/dispatch.hpp"

#include "common/errors.hpp"

#include <array>
#include <string>

namespace moetwin::balancer {
namespace {
constexpr std::array kPolicies = {
    DispatchPolicy{"round_robin", "each expert cycles through its replicas", &dispatch_round_robin},
    DispatchPolicy{"least_loaded", "replica on the GPU with the fewest pairs so far", &dispatch_least_loaded},
    DispatchPolicy{"same_node_first", "source GPU, then source node, then an already-targeted node",
                   &dispatch_same_node_first},
};
} // namespace

std::span<const DispatchPolicy> dispatch_policies() {
    return kPolicies;
}

const DispatchPolicy& find_dispatch_policy(std::string_view name) {
    std::string names;
    for (const auto& p : kPolicies) {
        if (p.name == name) return p;
        names += (names.empty() ? "" : ", ") + std::string(p.name);
    }
    throw ConfigError("unknown dispatch policy '" + std::string(name) + "' (expected one of: " + names + ")");
}

} // namespace moetwin::balancer
