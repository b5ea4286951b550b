// SPDX-License-Identifier: Apache-2.0
// PlacementSpec validation, Placement construction and invariant checks.
#include "sim/balancer/placement.hpp"

#include "common/errors.hpp"

#include <algorithm>
#include <ostream>
#include <string>

namespace moetwin::balancer {
namespace {
std::string s(long long v) {
    return std::to_string(v);
}
} // namespace

void PlacementSpec::validate(int num_experts) const {
    if (num_gpus < 1) throw ConfigError("placement: num_gpus must be ≥ 1, got " + s(num_gpus));
    if (num_nodes < 1) throw ConfigError("placement: num_nodes must be ≥ 1, got " + s(num_nodes));
    if (num_groups < 1) throw ConfigError("placement: num_groups must be ≥ 1, got " + s(num_groups));
    if (num_gpus % num_nodes != 0)
        throw ConfigError("placement: num_gpus (" + s(num_gpus) + ") must be a multiple of num_nodes (" + s(num_nodes) +
                          ")");
    if (num_slots < num_experts)
        throw ConfigError("placement: num_slots (" + s(num_slots) + ") must be ≥ the number of logical experts (" +
                          s(num_experts) + ")");
    if (num_slots < num_gpus)
        throw ConfigError("placement: num_slots (" + s(num_slots) + ") must be ≥ num_gpus (" + s(num_gpus) +
                          ") so that every GPU holds at least one slot");
    if (num_experts % num_groups != 0)
        throw ConfigError("placement: the number of logical experts (" + s(num_experts) +
                          ") must be a multiple of num_groups (" + s(num_groups) + ")");
}

std::ostream& operator<<(std::ostream& os, const PlacementSpec& spec) {
    return os << "PlacementSpec{num_slots=" << spec.num_slots << ", num_groups=" << spec.num_groups
              << ", num_nodes=" << spec.num_nodes << ", num_gpus=" << spec.num_gpus << "}";
}

Placement make_placement(int num_layers, int num_experts, int num_slots, std::vector<int> phy2log) {
    MOETWIN_ASSERT(phy2log.size() == static_cast<std::size_t>(num_layers) * num_slots, "phy2log shape");
    Placement p;
    p.num_layers  = num_layers;
    p.num_experts = num_experts;
    p.num_slots   = num_slots;
    p.phy2log     = std::move(phy2log);
    p.replica_count.assign(static_cast<std::size_t>(num_layers) * num_experts, 0);
    for (int l = 0; l < num_layers; ++l)
        for (int e : p.slots(l)) {
            MOETWIN_ASSERT(e == kEmptySlot || (e >= 0 && e < num_experts), "phy2log value out of range");
            if (e != kEmptySlot) ++p.replica_count[static_cast<std::size_t>(l) * num_experts + e];
        }
    p.max_replicas = std::max(1, *std::max_element(p.replica_count.begin(), p.replica_count.end()));
    p.log2phy.assign(p.replica_count.size() * p.max_replicas, -1);
    std::vector<int> filled(p.replica_count.size(), 0);
    for (int l = 0; l < num_layers; ++l)
        for (int slot = 0; slot < num_slots; ++slot) {
            const int e = p.slots(l)[slot];
            if (e == kEmptySlot) continue;
            const std::size_t le                          = static_cast<std::size_t>(l) * num_experts + e;
            p.log2phy[le * p.max_replicas + filled[le]++] = slot;
        }
    return p;
}

void check_placement(const Placement& p, const PlacementSpec& spec) {
    spec.validate(p.num_experts);
    if (p.num_slots != spec.num_slots)
        throw ConfigError("placement: " + s(p.num_slots) + " slots per layer, spec asks for " + s(spec.num_slots));
    const std::size_t L = p.num_layers, E = p.num_experts, S = p.num_slots;
    if (p.phy2log.size() != L * S || p.replica_count.size() != L * E ||
        p.log2phy.size() != L * E * static_cast<std::size_t>(p.max_replicas))
        throw ConfigError("placement: array shapes do not match num_layers/num_experts/num_slots");
    for (int l = 0; l < p.num_layers; ++l) {
        std::vector<int> seen(E, 0);
        for (int e : p.slots(l)) {
            if (e != kEmptySlot && (e < 0 || e >= p.num_experts))
                throw ConfigError("placement: layer " + s(l) + ": phy2log holds " + s(e) + ", not a logical expert");
            if (e != kEmptySlot) ++seen[e];
        }
        for (int e = 0; e < p.num_experts; ++e) {
            if (seen[e] == 0)
                throw ConfigError("placement: layer " + s(l) + ": logical expert " + s(e) + " has no replica");
            if (seen[e] != p.count(l, e))
                throw ConfigError("placement: layer " + s(l) + ": expert " + s(e) +
                                  " replica_count disagrees with phy2log");
            for (int slot : p.replicas(l, e))
                if (slot < 0 || slot >= p.num_slots || p.slots(l)[slot] != e)
                    throw ConfigError("placement: layer " + s(l) + ": log2phy of expert " + s(e) + " is wrong");
        }
    }
}

} // namespace moetwin::balancer
